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
/// only after evictions.
/// </summary>
internal sealed class EvictionSweep(KeySpace keys, SlotKeys slotKeys, KeyRepairer repairer, PassState state, ILogger logger)
{
    private static readonly RedisValue[] MetaFields = ["k", "t", "x", "c", "tn", "mx"];

    /// <summary>How many keys' checks are in flight at once.</summary>
    private const int CheckChunk = 256;

    /// <summary>
    /// Sweeps each reachable node whose evictions are not verified yet. Returns the nodes swept in full with the count
    /// they were swept at: the caller marks them verified only when the whole pass ends clean (a repair superseded by a
    /// concurrent write leaves the key to the next pass, which must sweep again).
    /// </summary>
    public async Task<List<(ReplicaNode Node, long Evicted)>> RunAsync(ReplicaNode[] nodes, CancellationToken cancellationToken)
    {
        var swept = new List<(ReplicaNode Node, long Evicted)>();
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
                swept.Add((node, evicted));
            }
        }

        return swept;
    }

    private async Task<bool> SweepAsync(ReplicaNode node, ReplicaNode[] nodes, CancellationToken cancellationToken)
    {
        try
        {
            // The slot keys first: a slot whose index or digest was evicted is settled from what is left (its digest then
            // differs from the other nodes', and the digest pass visits it), and every key its index names is checked.
            var candidates = new Dictionary<string, bool>(StringComparer.Ordinal);
            var slots = new HashSet<int>();
            await foreach (var slotKey in ScanAsync(node, ScanPass.Escape(slotKeys.Prefix) + "*", cancellationToken).ConfigureAwait(false))
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
            await foreach (var metaKey in ScanAsync(node, ScanPass.Escape(keys.MetaPrefix) + "*", cancellationToken).ConfigureAwait(false))
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

    private static async IAsyncEnumerable<string> ScanAsync(ReplicaNode node, string pattern, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var cursor = 0L;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            var reply = (RedisResult[])(await node.Database.ExecuteAsync("SCAN", cursor, "MATCH", pattern, "COUNT", 1000).ConfigureAwait(false))!;
            cursor = (long)reply[0];
            foreach (var item in (RedisResult[])reply[1]!)
            {
                yield return (string)item!;
            }
        }
        while (cursor != 0);
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
