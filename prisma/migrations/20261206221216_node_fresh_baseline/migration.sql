-- AlterTable
ALTER TABLE "Node" ADD COLUMN     "freshUsedAt" TIMESTAMP(3),
ADD COLUMN     "freshUsedMiB" INTEGER;

-- Backfill: each node's latest event with every runner fresh, as reclaim used to find it by scanning
-- events (registered: the reading before; cleanup and sweep: the reading after, unless an agent with
-- several runner slots marked it allFresh: false).
UPDATE "Node" n
SET "freshUsedMiB" = f.used_mib, "freshUsedAt" = f.at
FROM (
  SELECT DISTINCT ON ("nodeId") "nodeId", "createdAt" AS at,
         CASE WHEN type = 'registered' THEN "beforeMiB" ELSE "afterMiB" END AS used_mib
  FROM "NodeEvent"
  WHERE type IN ('registered', 'cleanup', 'sweep')
    AND ("data" -> 'allFresh') IS DISTINCT FROM 'false'::jsonb
  ORDER BY "nodeId", "createdAt" DESC
) f
WHERE n.id = f."nodeId";
