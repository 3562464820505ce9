-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "batchId" UUID;
