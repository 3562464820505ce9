-- AlterTable
ALTER TABLE "Node" ADD COLUMN     "model" TEXT;
