using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// A pass without slot digests: SCAN every node (every shard of a Redis Cluster node) for meta keys, then compare every key's meta fields across nodes and
/// repair those that differ (or whose tombstones may be due). Its cost follows the keyspace, not the divergence.
/// </summary>
internal sealed class ScanPass
{
    // Everything a replica's meta says about its state; equal on every node means the copies agree.
    private static readonly RedisValue[] MetaFields = ["k", "n", "v", "t", "d", "x", "c", "h", "dv", "ml", "mr", "tw"];

    private readonly KeySpace _keys;
    private readonly long _graceMs;
    private readonly KeyRepairer _repairer;
    private readonly PassState _state;
    private readonly AntiEntropyOptions _options;

    public ScanPass(KeySpace keys, TimeSpan tombstoneGracePeriod, KeyRepairer repairer, PassState state, AntiEntropyOptions options)
    {
        _keys = keys;
        _graceMs = (long)tombstoneGracePeriod.TotalMilliseconds;
        _repairer = repairer;
        _state = state;
        _options = options;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _state.Phase(AntiEntropyPhase.Discovering, 0);
        var keys = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        await Task.WhenAll(_state.Reachable().Select(node => ScanNodeAsync(node, keys, cancellationToken))).ConfigureAwait(false);

        _state.Phase(AntiEntropyPhase.Repairing, keys.Count);
        await Parallel.ForEachAsync(
            keys.Keys,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.Concurrency), CancellationToken = cancellationToken },
            async (key, ct) =>
            {
                await CheckKeyAsync(key, ct).ConfigureAwait(false);
                _state.Advance();
            }).ConfigureAwait(false);
    }

    /// <summary>
    /// SCANs every shard of the node in parallel (one for a standalone node). A shard that cannot be scanned leaves the
    /// whole node out of the pass, reported unreachable: the keys only it holds are unknown, so the pass is not clean.
    /// </summary>
    private async Task ScanNodeAsync(ReplicaNode node, ConcurrentDictionary<string, bool> keys, CancellationToken cancellationToken)
    {
        IReadOnlyList<ReplicaShard> shards;
        try
        {
            shards = await node.KeylessShardsAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _state.MarkUnreachable(node, ex);
            return;
        }

        var pattern = Escape(_keys.MetaPrefix) + "*";
        await Task.WhenAll(shards.Select(async shard =>
        {
            try
            {
                await foreach (var metaKey in node.ScanAsync(shard, pattern, cancellationToken).ConfigureAwait(false))
                {
                    if (_keys.TryDataKeyFromMetaKey(metaKey, out var key))
                    {
                        keys.TryAdd(key, true);
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _state.MarkUnreachable(node, shard, ex);
            }
        })).ConfigureAwait(false);
    }

    /// <summary>Glob-escapes a prefix for SCAN MATCH.</summary>
    internal static string Escape(string prefix)
    {
        var builder = new StringBuilder(prefix.Length + 4);
        foreach (var c in prefix)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private async Task CheckKeyAsync(string key, CancellationToken cancellationToken)
    {
        var nodes = _state.Reachable();
        if (nodes.Length < 2)
        {
            return;
        }

        await _state.ThrottleAsync(cancellationToken).ConfigureAwait(false);
        _state.Compared();
        var metaKey = _keys.MetaKey(key);
        var tombKey = _keys.TombstoneKey(key);
        var probes = await Task.WhenAll(nodes.Select(async node =>
        {
            try
            {
                var meta = node.Database.HashGetAsync(metaKey, MetaFields);
                var tombstones = node.Database.HashLengthAsync(tombKey);
                return (Ok: true, Meta: await meta.ConfigureAwait(false), Tombstones: await tombstones.ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                _state.NodeFailed(node, key, ex);
                return (Ok: false, Meta: Array.Empty<RedisValue>(), Tombstones: 0L);
            }
        })).ConfigureAwait(false);

        var first = probes[0];
        var same = probes.All(p => p.Ok) && probes.All(p => p.Tombstones == first.Tombstones && p.Meta.AsSpan().SequenceEqual(first.Meta));

        // Agreeing copies still need a visit when something in them may be purged.
        var cutoff = _state.NowMs - _graceMs;
        var due = first.Tombstones > 0 || (first.Ok && first.Meta[3] == "1" && first.Meta[4].TryParse(out long deletedAt) && deletedAt <= cutoff);
        if (!same || due)
        {
            await _repairer.RepairAsync(key, nodes, null, _state, cancellationToken).ConfigureAwait(false);
        }
    }
}
