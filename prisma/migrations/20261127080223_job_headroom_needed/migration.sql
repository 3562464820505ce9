-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "headroomNeededMiB" INTEGER;

-- CreateIndex
CREATE INDEX "Job_status_headroomNeededMiB_idx" ON "Job"("status", "headroomNeededMiB");
