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
/// checked against its meta (a live value must have its data; a list its count of elements unless its expiry is due, and of
/// tombstones unless its meta expiry is due)
/// and each one found missing is repaired like any differing key. The cost is a walk of that node's keyspace, paid
/// only after evictions. On a node that is a Redis Cluster all of this is per shard: each primary's own
/// <c>evicted_keys</c>, verified count (its health record) and SCANs.
/// </summary>
internal sealed class EvictionSweep(KeySpace keys, SlotKeys slotKeys, KeyRepairer repairer, PassState state, ILogger logger)
{
    private static readonly RedisValue[] MetaFields = ["k", "t", "x", "c", "tn", "mx"];

    /// <summary>How many keys' checks are in flight at once.</summary>
    private const int CheckChunk = 256;

    /// <summary>
    /// Sweeps each shard of each reachable node (a standalone node is one shard) whose evictions are not verified yet.
    /// Returns the shards swept in full, as the health record that keeps their count (<see cref="ReplicaNode.HealthOf"/>)
    /// with the count they were swept at: the caller marks them verified only when the whole pass ends clean (a repair
    /// superseded by a concurrent write leaves the key to the next pass, which must sweep again).
    /// </summary>
    public async Task<List<(NodeHealth Shard, long Evicted)>> RunAsync(ReplicaNode[] nodes, CancellationToken cancellationToken)
    {
        var swept = new List<(NodeHealth Shard, long Evicted)>();
        foreach (var node in nodes)
        {
            IReadOnlyList<ReplicaShard> shards;
            long[] counts;
            try
            {
                shards = await node.KeylessShardsAsync().ConfigureAwait(false);
                // evicted_keys is per server: read on every shard (evicted_keys.lua has no key to route by).
                counts = await Task.WhenAll(shards.Select(async shard => (long)await node.EvaluateKeylessAsync(shard, LuaScript.EvictedKeys).ConfigureAwait(false))).ConfigureAwait(false);
            }
            catch (NodeUnavailableException ex)
            {
                // A cluster node whose shards are not known: none of its keys can be walked.
                state.MarkUnreachable(node, ex);
                continue;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                state.NodeFailed(node, null, ex);
                continue;
            }

            for (var i = 0; i < shards.Count; i++)
            {
                var (shard, evicted, health) = (shards[i], counts[i], node.HealthOf(shards[i]));
                if (evicted < 0)
                {
                    // The server does not say (an INFO-less server): nothing to go by; the digests still cover the rest.
                    continue;
                }

                if (evicted <= health.EvictionsVerified || (evicted == 0 && health.EvictionsVerified < 0))
                {
                    // Nothing evicted since the last verified sweep (a restarted server counts from 0 again).
                    health.EvictionsVerified = evicted;
                    continue;
                }

                AntiEntropyLog.EvictionSweep(logger, node.IsCluster ? $"{node.Name}/{shard.Name}" : node.Name, evicted);
                if (await SweepAsync(node, shard, nodes, cancellationToken).ConfigureAwait(false))
                {
                    swept.Add((health, evicted));
                }
            }
        }

        return swept;
    }

    private async Task<bool> SweepAsync(ReplicaNode node, ReplicaShard shard, ReplicaNode[] nodes, CancellationToken cancellationToken)
    {
        try
        {
            // The slot keys first: a slot whose index or digest was evicted is settled from what is left (its digest then
            // differs from the other nodes', and the digest pass visits it), and every key its index names is checked.
            var candidates = new Dictionary<string, bool>(StringComparer.Ordinal);
            var slots = new HashSet<int>();
            await foreach (var slotKey in node.ScanAsync(shard, ScanPass.Escape(slotKeys.Prefix) + "*", cancellationToken).ConfigureAwait(false))
            {
                slots.Add(HashSlot.Of(slotKey));
            }

            foreach (var slot in slots)
            {
                RedisKey[] settleKeys = [slotKeys.IndexKey(slot), slotKeys.DigestKey(slot)];
                await node.EvaluateOrReloadAsync(LuaScript.SlotSettle, settleKeys, []).ConfigureAwait(false);
                foreach (var entry in await node.Database.HashGetAllAsync(slotKeys.IndexKey(slot)).ConfigureAwait(false))
                {
                    candidates[(string)entry.Name!] = true;
                }
            }

            // Then every meta key: a key whose index entry went with an evicted index.
            await foreach (var metaKey in node.ScanAsync(shard, ScanPass.Escape(keys.MetaPrefix) + "*", cancellationToken).ConfigureAwait(false))
            {
                if (keys.TryDataKeyFromMetaKey(metaKey, out var key))
                {
                    candidates.TryAdd(key, false);
                }
            }

            // The checks go in chunks of concurrent reads (one key's reads wait for each other, keys do not).
            foreach (var chunk in candidates.Chunk(CheckChunk))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var missing = await Task.WhenAll(chunk.Select(c => IsMissingAsync(node, c.Key, c.Value))).ConfigureAwait(false);
                for (var i = 0; i < chunk.Length; i++)
                {
                    if (missing[i])
                    {
                        await state.ThrottleAsync(cancellationToken).ConfigureAwait(false);
                        state.Compared();
                        await repairer.RepairAsync(chunk[i].Key, nodes, entries: null, state, cancellationToken, verifyData: true).ConfigureAwait(false);
                    }
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            state.NodeFailed(node, null, ex);
            return false;
        }
    }

    /// <summary>
    /// Whether the node lost part of the key: its meta names data, or tombstones, it no longer holds (its expiry not due:
    /// the replies' own tolerance), or its slot index names it and its meta is gone.
    /// </summary>
    private async Task<bool> IsMissingAsync(ReplicaNode node, string key, bool indexed)
    {
        var db = node.Database;
        var meta = await db.HashGetAsync(keys.MetaKey(key), MetaFields).ConfigureAwait(false);
        if (meta[0].IsNull)
        {
            return indexed;
        }

        // Data lives until its expiry x; a list's meta and tombstones until the meta expiry mx (x plus the grace period),
        // so a list whose elements expired still has tombstones to check. Either is judged with the replies' tolerance.
        var dataDue = Due(meta[2]);
        if (Due(meta[5]) || (dataDue && (string?)meta[0] != "l"))
        {
            return false;
        }

        return (string?)meta[0] switch
        {
            "v" => (string?)meta[1] == "0" && !await db.KeyExistsAsync(key).ConfigureAwait(false),
            "l" => (!dataDue
                    && long.TryParse((string?)meta[3], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                    && await db.ListLengthAsync(key).ConfigureAwait(false) != count)
                || (long.TryParse((string?)meta[4], NumberStyles.None, CultureInfo.InvariantCulture, out var tombstones)
                    && await db.HashLengthAsync(keys.TombstoneKey(key)).ConfigureAwait(false) != tombstones),
            _ => false,
        };

        bool Due(RedisValue at) =>
            long.TryParse((string?)at, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ValueReplyParser.ExpiryMayHavePassed(ms, state.NowMs);
    }
}
