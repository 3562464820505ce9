-- CreateEnum
CREATE TYPE "Role" AS ENUM ('ADMIN', 'VIEWER');

-- CreateEnum
CREATE TYPE "NodeKind" AS ENUM ('GPU', 'CPU');

-- CreateEnum
CREATE TYPE "NodeStatus" AS ENUM ('ONLINE', 'OFFLINE');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('QUEUED', 'PLACED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED');

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'VIEWER',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "userId" UUID NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'VIEWER',
    "createdById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Node" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "hostname" TEXT NOT NULL,
    "kind" "NodeKind" NOT NULL,
    "gpuIndex" INTEGER,
    "gpuName" TEXT,
    "provider" TEXT,
    "providerNotes" JSONB,
    "tokenHash" TEXT NOT NULL,
    "status" "NodeStatus" NOT NULL DEFAULT 'ONLINE',
    "drained" BOOLEAN NOT NULL DEFAULT false,
    "maxConcurrent" INTEGER NOT NULL DEFAULT 1,
    "totalMiB" INTEGER NOT NULL DEFAULT 0,
    "usedMiB" INTEGER NOT NULL DEFAULT 0,
    "freeMiB" INTEGER NOT NULL DEFAULT 0,
    "processMiB" INTEGER,
    "utilPct" DOUBLE PRECISION,
    "memorySource" TEXT,
    "appliedSettingsVersion" INTEGER,
    "agentVersion" TEXT,
    "lastHeartbeatAt" TIMESTAMP(3),
    "registeredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Node_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Job" (
    "id" UUID NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'QUEUED',
    "priority" INTEGER NOT NULL DEFAULT 0,
    "fileName" TEXT NOT NULL,
    "mimeType" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "widthPx" INTEGER,
    "heightPx" INTEGER,
    "pages" INTEGER NOT NULL DEFAULT 1,
    "storageKey" TEXT NOT NULL,
    "idempotencyKey" TEXT,
    "apiKeyId" UUID,
    "userId" UUID,
    "nodeId" UUID,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "maxAttempts" INTEGER NOT NULL DEFAULT 3,
    "runAfter" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseExpiresAt" TIMESTAMP(3),
    "predictedPeakMiB" INTEGER,
    "observedPeakMiB" INTEGER,
    "memBeforeMiB" INTEGER,
    "memAfterMiB" INTEGER,
    "placement" JSONB,
    "unschedulableReason" TEXT,
    "errorCode" TEXT,
    "errorMessage" TEXT,
    "result" JSONB,
    "text" TEXT,
    "timings" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "placedAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobEvent" (
    "id" BIGSERIAL NOT NULL,
    "jobId" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "nodeId" UUID,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "data" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "JobEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NodeEvent" (
    "id" BIGSERIAL NOT NULL,
    "nodeId" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "beforeMiB" INTEGER,
    "afterMiB" INTEGER,
    "freedMiB" INTEGER,
    "data" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "NodeEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MemorySample" (
    "id" BIGSERIAL NOT NULL,
    "nodeId" UUID NOT NULL,
    "jobId" UUID,
    "at" TIMESTAMP(3) NOT NULL,
    "usedMiB" INTEGER NOT NULL,
    "totalMiB" INTEGER NOT NULL,
    "processMiB" INTEGER,
    "utilPct" DOUBLE PRECISION,

    CONSTRAINT "MemorySample_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FleetSettings" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" INTEGER NOT NULL DEFAULT 1,
    "admissionMaxUsagePct" DOUBLE PRECISION NOT NULL DEFAULT 95,
    "admissionMinFreeMiB" INTEGER NOT NULL DEFAULT 500,
    "memoryCapPct" DOUBLE PRECISION NOT NULL DEFAULT 90,
    "cleanupAbovePct" DOUBLE PRECISION NOT NULL DEFAULT 80,
    "batchCleanupEvery" INTEGER NOT NULL DEFAULT 5,
    "sweepIntervalS" INTEGER NOT NULL DEFAULT 300,
    "sweepAbovePct" DOUBLE PRECISION NOT NULL DEFAULT 70,
    "sampleIntervalMs" INTEGER NOT NULL DEFAULT 250,
    "jobTimeoutS" INTEGER NOT NULL DEFAULT 300,
    "alertAbovePct" DOUBLE PRECISION NOT NULL DEFAULT 90,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FleetSettings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NodeSettingsOverride" (
    "nodeId" UUID NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "admissionMaxUsagePct" DOUBLE PRECISION,
    "admissionMinFreeMiB" INTEGER,
    "memoryCapPct" DOUBLE PRECISION,
    "cleanupAbovePct" DOUBLE PRECISION,
    "batchCleanupEvery" INTEGER,
    "sweepIntervalS" INTEGER,
    "sweepAbovePct" DOUBLE PRECISION,
    "sampleIntervalMs" INTEGER,
    "jobTimeoutS" INTEGER,
    "alertAbovePct" DOUBLE PRECISION,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "NodeSettingsOverride_pkey" PRIMARY KEY ("nodeId")
);

-- CreateTable
CREATE TABLE "SettingsAudit" (
    "id" BIGSERIAL NOT NULL,
    "scope" TEXT NOT NULL,
    "actorLabel" TEXT NOT NULL,
    "actorId" TEXT,
    "changes" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SettingsAudit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_keyHash_key" ON "ApiKey"("keyHash");

-- CreateIndex
CREATE UNIQUE INDEX "Node_name_key" ON "Node"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Node_tokenHash_key" ON "Node"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "Job_storageKey_key" ON "Job"("storageKey");

-- CreateIndex
CREATE UNIQUE INDEX "Job_idempotencyKey_key" ON "Job"("idempotencyKey");

-- CreateIndex
CREATE INDEX "Job_status_priority_createdAt_idx" ON "Job"("status", "priority" DESC, "createdAt");

-- CreateIndex
CREATE INDEX "Job_nodeId_status_idx" ON "Job"("nodeId", "status");

-- CreateIndex
CREATE INDEX "Job_createdAt_idx" ON "Job"("createdAt" DESC);

-- CreateIndex
CREATE INDEX "JobEvent_jobId_id_idx" ON "JobEvent"("jobId", "id");

-- CreateIndex
CREATE INDEX "NodeEvent_nodeId_createdAt_idx" ON "NodeEvent"("nodeId", "createdAt");

-- CreateIndex
CREATE INDEX "MemorySample_nodeId_at_idx" ON "MemorySample"("nodeId", "at");

-- CreateIndex
CREATE INDEX "MemorySample_jobId_idx" ON "MemorySample"("jobId");

-- CreateIndex
CREATE INDEX "SettingsAudit_createdAt_idx" ON "SettingsAudit"("createdAt");

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobEvent" ADD CONSTRAINT "JobEvent_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobEvent" ADD CONSTRAINT "JobEvent_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NodeEvent" ADD CONSTRAINT "NodeEvent_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MemorySample" ADD CONSTRAINT "MemorySample_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MemorySample" ADD CONSTRAINT "MemorySample_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NodeSettingsOverride" ADD CONSTRAINT "NodeSettingsOverride_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;
