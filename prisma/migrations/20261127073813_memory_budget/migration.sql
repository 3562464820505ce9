-- AlterTable
ALTER TABLE "FleetSettings" ADD COLUMN     "memoryBudgetMiB" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "NodeSettingsOverride" ADD COLUMN     "memoryBudgetMiB" INTEGER;
