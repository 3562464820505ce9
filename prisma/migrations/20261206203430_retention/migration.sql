-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "fileExpiredAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "MemorySampleMinute" (
    "nodeId" UUID NOT NULL,
    "minute" TIMESTAMP(3) NOT NULL,
    "samples" INTEGER NOT NULL,
    "minUsedMiB" INTEGER NOT NULL,
    "maxUsedMiB" INTEGER NOT NULL,
    "sumUsedMiB" BIGINT NOT NULL,
    "maxProcessMiB" INTEGER,
    "maxTotalMiB" INTEGER NOT NULL,
    "maxUtilPct" DOUBLE PRECISION,
    "lastAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MemorySampleMinute_pkey" PRIMARY KEY ("nodeId","minute")
);

-- CreateTable
CREATE TABLE "RetentionSettings" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" INTEGER NOT NULL DEFAULT 1,
    "rawSampleHours" INTEGER NOT NULL DEFAULT 48,
    "rollupRetentionDays" INTEGER NOT NULL DEFAULT 30,
    "fileRetentionDays" INTEGER,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RetentionSettings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "MemorySampleMinute_minute_idx" ON "MemorySampleMinute"("minute");

-- AddForeignKey
ALTER TABLE "MemorySampleMinute" ADD CONSTRAINT "MemorySampleMinute_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;
