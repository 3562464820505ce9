-- AlterTable
ALTER TABLE "Node" ADD COLUMN     "freshUsedAt" TIMESTAMP(3),
ADD COLUMN     "freshUsedMiB" INTEGER;

-- Backfill: each node's latest event with every runner fresh, as reclaim used to find it by scanning
-- events: the reading before a registration, or after a cleanup or sweep that an agent with several
-- runner slots did not mark allFresh: false. (No semicolons in comments: the engine splits on them.)
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
