using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <content>Replaying the durable hints kept on the nodes.</content>
internal sealed partial class HintReplayer
{
    private static readonly RedisValue KeyField = "k";
    private static readonly RedisValue TypeField = "t";

    /// <summary>
    /// Replays the durable hints for <paramref name="target"/> kept on the other answering nodes: reads each stream in
    /// batches (XRANGE), repairs the batch's keys, and deletes the entries of the keys repaired on the node they came
    /// from. Entries of types this client does not know stay for a client that does.
    /// </summary>
    private async Task<(long Replayed, long Failed)> ReplayDurableAsync(ReplicaNode target, ReplicaNode[] live, KeyRepairer repairer, CancellationToken cancellationToken)
    {
        var stream = _recorder.StreamKey(target);
        var batchSize = _recorder.Options.BatchSize;
        long replayed = 0, failed = 0;
        foreach (var holder in live)
        {
            if (holder.Index == target.Index)
            {
                continue;
            }

            RedisValue start = "-";
            while (true)
            {
                StreamEntry[] entries;
                try
                {
                    entries = await holder.Database.StreamRangeAsync(stream, start, "+", batchSize).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    Log.DurableHintReadFailed(_logger, target.Name, holder.Name, ex);
                    failed++;
                    break;
                }

                if (entries.Length == 0)
                {
                    break;
                }

                var byKey = new Dictionary<string, (string Type, List<RedisValue> Ids)>(StringComparer.Ordinal);
                var delete = new List<RedisValue>();
                foreach (var entry in entries)
                {
                    var key = (string?)entry[KeyField];
                    var type = (string?)entry[TypeField];
                    if (string.IsNullOrEmpty(key) || string.IsNullOrEmpty(type))
                    {
                        Log.DurableHintMalformed(_logger, stream.ToString(), holder.Name, entry.Id.ToString());
                        delete.Add(entry.Id);
                        continue;
                    }

                    if (!byKey.TryGetValue(key, out var pending))
                    {
                        pending = (type, []);
                        byKey.Add(key, pending);
                    }

                    pending.Ids.Add(entry.Id);
                }

                var items = byKey.ToArray();
                var outcomes = await RepairAllAsync(items.Select(i => (i.Key, i.Value.Type)).ToArray(), target, live, repairer, cancellationToken).ConfigureAwait(false);
                long batchFailed = 0;
                for (var i = 0; i < items.Length; i++)
                {
                    switch (outcomes[i])
                    {
                        case Outcome.Replayed:
                            delete.AddRange(items[i].Value.Ids);
                            replayed++;
                            break;
                        case Outcome.Failed:
                            batchFailed++;
                            break;
                    }
                }

                if (delete.Count > 0)
                {
                    try
                    {
                        await holder.EvaluateOrReloadAsync(LuaScript.HintDelete, [stream], [.. delete]).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        // The keys are repaired; their entries are replayed again later, which changes nothing.
                        Log.DurableHintReadFailed(_logger, target.Name, holder.Name, ex);
                        failed += batchFailed + 1;
                        break;
                    }
                }

                failed += batchFailed;
                if (batchFailed > 0 || entries.Length < batchSize)
                {
                    break;
                }

                // Entries left in place (unknown types) are skipped: read on after the last one.
                start = "(" + entries[^1].Id;
            }
        }

        _recorder.Metrics.Replayed(target.Name, "durable", replayed);
        return (replayed, failed);
    }
}
