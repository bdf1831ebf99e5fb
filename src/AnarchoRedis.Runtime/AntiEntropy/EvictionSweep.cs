using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// Finds the keys a node lost to eviction under an intact meta. maxmemory with an allkeys policy evicts keys one at a
/// time: when it takes a data key and leaves its meta and slot entry, the slot digests still agree and a digest pass
/// would not look (a write or read of the key would find it missing, but a key nobody touches stays so). So when a
/// node's <c>evicted_keys</c> (INFO stats) has grown since the last verified pass, every replicated key on it is
/// checked against its meta (a live value must have its data; a list its count of elements and of tombstones, unless
/// its expiry is due)
/// and each one found missing is repaired like any differing key. The cost is a walk of that node's keyspace, paid
/// only after evictions.
/// </summary>
internal sealed class EvictionSweep(KeySpace keys, KeyRepairer repairer, PassState state, ILogger logger)
{
    private static readonly RedisValue[] MetaFields = ["k", "t", "x", "c", "tn"];

    /// <summary>Sweeps each reachable node whose evictions are not verified yet; a node is verified only by a complete sweep.</summary>
    public async Task RunAsync(ReplicaNode[] nodes, CancellationToken cancellationToken)
    {
        foreach (var node in nodes)
        {
            long evicted;
            try
            {
                evicted = (long)await node.EvaluateOrReloadAsync(LuaScript.EvictedKeys, [], []).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                state.NodeFailed(node, null, ex);
                continue;
            }

            if (evicted < 0)
            {
                // The server does not say (an INFO-less server): nothing to go by; the digests still cover the rest.
                continue;
            }

            if (evicted <= node.Health.EvictionsVerified || (evicted == 0 && node.Health.EvictionsVerified < 0))
            {
                // Nothing evicted since the last verified sweep (a restarted node counts from 0 again).
                node.Health.EvictionsVerified = evicted;
                continue;
            }

            AntiEntropyLog.EvictionSweep(logger, node.Name, evicted);
            if (await SweepAsync(node, nodes, cancellationToken).ConfigureAwait(false))
            {
                node.Health.EvictionsVerified = evicted;
            }
        }
    }

    private async Task<bool> SweepAsync(ReplicaNode node, ReplicaNode[] nodes, CancellationToken cancellationToken)
    {
        var pattern = ScanPass.Escape(keys.MetaPrefix) + "*";
        var cursor = 0L;
        try
        {
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                var reply = (RedisResult[])(await node.Database.ExecuteAsync("SCAN", cursor, "MATCH", pattern, "COUNT", 1000).ConfigureAwait(false))!;
                cursor = (long)reply[0];
                var batch = new List<string>();
                foreach (var item in (RedisResult[])reply[1]!)
                {
                    if (keys.TryDataKeyFromMetaKey((string)item!, out var key))
                    {
                        batch.Add(key);
                    }
                }

                var missing = await Task.WhenAll(batch.Select(key => IsMissingAsync(node, key))).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    if (missing[i])
                    {
                        await state.ThrottleAsync(cancellationToken).ConfigureAwait(false);
                        state.Compared();
                        await repairer.RepairAsync(batch[i], nodes, entries: null, state, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            while (cursor != 0);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            state.NodeFailed(node, null, ex);
            return false;
        }
    }

    /// <summary>Whether the node's meta names data the node no longer holds, its expiry not due (the replies' own tolerance).</summary>
    private async Task<bool> IsMissingAsync(ReplicaNode node, string key)
    {
        var db = node.Database;
        var meta = await db.HashGetAsync(keys.MetaKey(key), MetaFields).ConfigureAwait(false);
        var expiresAt = long.TryParse((string?)meta[2], NumberStyles.None, CultureInfo.InvariantCulture, out var x) ? x : 0;
        if (expiresAt != 0 && expiresAt <= state.NowMs + ValueReplyParser.ExpiryToleranceMs)
        {
            return false;
        }

        return (string?)meta[0] switch
        {
            "v" => (string?)meta[1] == "0" && !await db.KeyExistsAsync(key).ConfigureAwait(false),
            "l" => (long.TryParse((string?)meta[3], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                    && await db.ListLengthAsync(key).ConfigureAwait(false) != count)
                || (long.TryParse((string?)meta[4], NumberStyles.None, CultureInfo.InvariantCulture, out var tombstones)
                    && await db.HashLengthAsync(keys.TombstoneKey(key)).ConfigureAwait(false) != tombstones),
            _ => false,
        };
    }
}
