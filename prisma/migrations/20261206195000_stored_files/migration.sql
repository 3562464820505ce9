-- CreateTable
CREATE TABLE "StoredFile" (
    "key" UUID NOT NULL,
    "sizeBytes" BIGINT NOT NULL DEFAULT 0,
    "complete" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StoredFile_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "StoredFileChunk" (
    "key" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "bytes" BYTEA NOT NULL,

    CONSTRAINT "StoredFileChunk_pkey" PRIMARY KEY ("key","seq")
);

-- CreateIndex
CREATE INDEX "StoredFile_complete_createdAt_idx" ON "StoredFile"("complete", "createdAt");

-- AddForeignKey
ALTER TABLE "StoredFileChunk" ADD CONSTRAINT "StoredFileChunk_key_fkey" FOREIGN KEY ("key") REFERENCES "StoredFile"("key") ON DELETE CASCADE ON UPDATE CASCADE;
