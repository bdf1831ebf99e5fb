using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// A node that is a Redis Cluster: its shards (one per primary), and a health record per shard, so that a shard that
/// fails, restarts or is wiped opens, unverifies or refills only its own slots while the node's other shards serve.
/// Commands are routed to the shard of their first key; the call's health is that shard's (<see cref="HealthFor"/>).
/// A standalone node is one shard, and its health is <see cref="Health"/>.
/// </summary>
internal sealed partial class ReplicaNode
{
    private readonly ConcurrentDictionary<string, NodeHealth> _shardHealth = new(StringComparer.Ordinal);
    private readonly int _failureThreshold = 1;
    private volatile IReadOnlyList<ReplicaShard>? _shards;
    private long _shardsReadAt;
    private long _configuredAt = long.MinValue / 2;
    private int _topologyChanged;

    /// <summary>How long a cluster node's shard table is used before it is read from the multiplexer's routing again.</summary>
    internal static readonly TimeSpan ShardRefreshInterval = TimeSpan.FromSeconds(5);

    /// <summary>Per slot, the health of the shard that owns it (as last seen); <see langword="null"/> on a standalone node.</summary>
    private volatile NodeHealth?[]? _slotHealth;

    /// <summary>Raised when a shard's circuit opens (<see langword="true"/>) or closes; on a cluster node only.</summary>
    public event Action<NodeHealth, bool>? ShardCircuitChanged;

    /// <summary>
    /// The node's shards: one for a standalone node (owning every slot), one per primary for a cluster, as the cluster's
    /// configuration was last seen (<see cref="RefreshShardsAsync"/>). Empty for a node over a channel.
    /// </summary>
    internal IReadOnlyList<ReplicaShard> Shards => _shards ?? SetShards(ReadShards(null));

    /// <summary>The health of a shard of a cluster node (created on first use), or <see cref="Health"/> on a standalone node.</summary>
    internal NodeHealth HealthOf(ReplicaShard shard) => IsCluster ? ShardHealth(shard.Name) : Health;

    /// <summary>The shards' health records (a cluster node), in shard order; empty for a standalone node.</summary>
    internal IReadOnlyList<(ReplicaShard Shard, NodeHealth Health)> ShardHealths =>
        IsCluster ? Shards.Select(s => (s, ShardHealth(s.Name))).ToArray() : [];

    /// <summary>Whether <paramref name="health"/> is the health record of one of this cluster node's shards.</summary>
    internal bool HasShardHealth(NodeHealth health) => _shardHealth.Values.Any(h => ReferenceEquals(h, health));

    /// <summary>
    /// The health a call with <paramref name="keys"/> reports to and is skipped by: the shard of its first key's slot on a
    /// cluster node, else (a standalone node, a keyless call, a slot whose owner is not known yet) <see cref="Health"/>.
    /// </summary>
    internal NodeHealth HealthFor(RedisKey[] keys)
    {
        var table = _slotHealth;
        if (table is null || keys.Length == 0)
        {
            return Health;
        }

        return table[HashSlot.Of((string)keys[0]!)] ?? Health;
    }

    /// <summary>Whether a read answer with <paramref name="keys"/> may count toward R (the node's, and on a cluster its shard's, state).</summary>
    internal bool CountsForReads(RedisKey[] keys, out NodeUnavailableException? reason)
    {
        if (!Health.CountsForReads)
        {
            reason = Health.NotCountedError;
            return false;
        }

        var shard = HealthFor(keys);
        if (!ReferenceEquals(shard, Health) && (shard.IsOpen || shard.Epoch == NodeHealth.EpochStatus.Unverified))
        {
            reason = shard.NotCountedError;
            return false;
        }

        reason = null;
        return true;
    }

    /// <summary>The node's health as the client sees it now, with its shards' on a cluster node.</summary>
    internal NodeHealthSnapshot HealthSnapshot() => IsCluster
        ? Health.Snapshot() with { Shards = ShardHealths.Select(s => s.Health.Snapshot()).ToArray() }
        : Health.Snapshot();

    /// <summary>
    /// The shards as the cluster's configuration says (the primaries that own slots, a dead one included: a keyless walk
    /// must fail on it, not skip it). After the multiplexer reported a change (a moved slot, a failed or restored
    /// connection, a reconfiguration) it is asked to read the configuration again (at most once a second); otherwise
    /// the configuration it last read, at least every <see cref="ShardRefreshInterval"/>. (CLUSTER NODES directly would
    /// need StackExchange.Redis' admin mode, which the library does not enable; its routing cannot be used either: for
    /// a slot whose owner is down it names another server.)
    /// </summary>
    internal async Task<IReadOnlyList<ReplicaShard>> RefreshShardsAsync()
    {
        if (_connection is null || !IsCluster)
        {
            return Shards;
        }

        var now = Environment.TickCount64;
        var changed = Volatile.Read(ref _topologyChanged) != 0;
        if (!changed && _shards is { Count: > 0 } known && now - Volatile.Read(ref _shardsReadAt) < ShardRefreshInterval.TotalMilliseconds)
        {
            return known;
        }

        Volatile.Write(ref _topologyChanged, 0);
        if ((changed || _shards is not { Count: > 0 }) && now - Volatile.Read(ref _configuredAt) >= 1000)
        {
            Volatile.Write(ref _configuredAt, now);
            try
            {
                await _connection.ConfigureAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The configuration last read is used.
            }
        }

        var shards = ReadShards(null);
        Volatile.Write(ref _shardsReadAt, now);
        return shards.Count == 0 ? Shards : SetShards(KeepUncovered(shards, _shards));
    }

    /// <summary>
    /// Slots that no primary of the new configuration owns (a server's view that left out a failed primary) stay with
    /// the shard that owned them before: a dead shard must remain a shard, so that a keyless walk fails on it.
    /// </summary>
    private static IReadOnlyList<ReplicaShard> KeepUncovered(IReadOnlyList<ReplicaShard> shards, IReadOnlyList<ReplicaShard>? previous)
    {
        if (previous is not { Count: > 0 })
        {
            return shards;
        }

        var owners = new ReplicaShard?[HashSlot.Count];
        foreach (var shard in shards)
        {
            foreach (var slot in shard.SlotNumbers())
            {
                owners[slot] = shard;
            }
        }

        if (Array.IndexOf(owners, null) < 0)
        {
            return shards;
        }

        foreach (var shard in previous)
        {
            foreach (var slot in shard.SlotNumbers())
            {
                owners[slot] ??= shard;
            }
        }

        var ranges = new Dictionary<string, (ReplicaShard Shard, List<SlotRange> Ranges)>(StringComparer.Ordinal);
        for (var from = 0; from < HashSlot.Count;)
        {
            var owner = owners[from];
            var to = from;
            while (to + 1 < HashSlot.Count && ReferenceEquals(owners[to + 1], owner))
            {
                to++;
            }

            if (owner is not null)
            {
                if (!ranges.TryGetValue(owner.Name, out var entry))
                {
                    entry = (owner, []);
                    ranges[owner.Name] = entry;
                }

                entry.Ranges.Add(new SlotRange(from, to));
            }

            from = to + 1;
        }

        return ranges.Values
            .Select(e => e.Shard with { Slots = e.Ranges.ToArray() })
            .OrderBy(s => s.Slots[0].From)
            .ToArray();
    }

    /// <summary>
    /// The shards to run a keyless command on (SCAN, INFO, DBSIZE): every primary, as the cluster's configuration is seen
    /// now. A keyless command sent through <see cref="Database"/> would run on one arbitrary shard of a cluster.
    /// </summary>
    /// <exception cref="NodeUnavailableException">A cluster node whose shards are not known (no primary ever answered
    /// CLUSTER NODES): its keys cannot be walked, and an empty walk must not pass for an empty node.</exception>
    internal async Task<IReadOnlyList<ReplicaShard>> KeylessShardsAsync()
    {
        var shards = await RefreshShardsAsync().ConfigureAwait(false);
        if (shards.Count == 0)
        {
            throw new NodeUnavailableException(Name, Health.State, $"Node {Name}: its shards are not known (StackExchange.Redis has no cluster configuration: CLUSTER NODES refused or no primary reachable), so a command without keys cannot reach them all.");
        }

        return shards;
    }

    /// <summary>
    /// SCAN of one shard (MATCH <paramref name="pattern"/>, COUNT 1000), page by page: on a cluster node through that
    /// primary; on a standalone node through <see cref="Database"/> (its configured database).
    /// </summary>
    internal async IAsyncEnumerable<string> ScanAsync(ReplicaShard shard, string pattern, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var cursor = 0L;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            var scan = IsCluster
                ? shard.Server.ExecuteAsync("SCAN", cursor, "MATCH", pattern, "COUNT", 1000)
                : Database.ExecuteAsync("SCAN", cursor, "MATCH", pattern, "COUNT", 1000);
            var reply = (RedisResult[])(await scan.ConfigureAwait(false))!;
            cursor = (long)reply[0];
            foreach (var item in (RedisResult[])reply[1]!)
            {
                yield return (string)item!;
            }
        }
        while (cursor != 0);
    }

    /// <summary>
    /// Runs a script that declares no keys (it reads the server's state, such as INFO) on one shard: on a cluster node
    /// with EVALSHA sent to that primary (loaded there on NOSCRIPT); on a standalone node as any script
    /// (<see cref="EvaluateOrReloadAsync"/>). Through <see cref="Database"/> it would run on an arbitrary shard.
    /// </summary>
    internal async Task<RedisResult> EvaluateKeylessAsync(ReplicaShard shard, LuaScript script)
    {
        if (!IsCluster)
        {
            return await EvaluateOrReloadAsync(script, [], []).ConfigureAwait(false);
        }

        var sha = Convert.ToHexStringLower(script.Sha1);
        try
        {
            return await shard.Server.ExecuteAsync("EVALSHA", sha, 0).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (IsNoScript(ex))
        {
            await shard.Server.ScriptLoadAsync(script.Text).ConfigureAwait(false);
            return await shard.Server.ExecuteAsync("EVALSHA", sha, 0).ConfigureAwait(false);
        }
    }

    private IReadOnlyList<ReplicaShard> SetShards(IReadOnlyList<ReplicaShard> shards)
    {
        if (IsCluster && shards.Count > 0)
        {
            var table = new NodeHealth?[HashSlot.Count];
            foreach (var shard in shards)
            {
                var health = ShardHealth(shard.Name);
                foreach (var range in shard.Slots)
                {
                    Array.Fill(table, health, range.From, range.To - range.From + 1);
                }
            }

            _slotHealth = table;
        }

        _shards = shards;
        return shards;
    }

    private IReadOnlyList<ReplicaShard> ReadShards(ClusterConfiguration? config)
    {
        if (_connection is null)
        {
            return [];
        }

        if (!IsCluster)
        {
            var endpoint = _connection.GetEndPoints()[0];
            return [new ReplicaShard(Name, endpoint, _connection.GetServer(endpoint), [new SlotRange(0, HashSlot.Count - 1)])];
        }

        config ??= _connection.GetServers().Where(s => s.IsConnected).Select(s => s.ClusterConfiguration).FirstOrDefault(c => c is not null)
            ?? _connection.GetServers().Select(s => s.ClusterConfiguration).FirstOrDefault(c => c is not null);
        if (config is null)
        {
            return _shards ?? [];
        }

        return config.Nodes
            .Where(n => !n.IsReplica && n.EndPoint is not null && n.Slots.Count > 0)
            .Select(n => new ReplicaShard(NameOf(n.EndPoint!), n.EndPoint!, _connection.GetServer(n.EndPoint!), n.Slots.ToArray()))
            .OrderBy(s => s.Slots[0].From)
            .ToArray();
    }

    private NodeHealth ShardHealth(string shard) => _shardHealth.GetOrAdd(shard, static (name, node) =>
    {
        var health = new NodeHealth($"{node.Name}/{name}", node._failureThreshold);
        health.CircuitChanged += node.OnShardCircuitChanged;
        return health;
    }, this);

    private NodeHealth? ShardHealthAt(EndPoint? endpoint) =>
        endpoint is not null && _shardHealth.TryGetValue(NameOf(endpoint), out var health) ? health : null;

    private void OnShardCircuitChanged(NodeHealth health, bool opened) => ShardCircuitChanged?.Invoke(health, opened);

    /// <summary>The multiplexer saw the cluster change (a slot moved, a connection failed or came back, a reconfiguration).</summary>
    private void OnTopologyChanged(object? sender, EventArgs e) => Volatile.Write(ref _topologyChanged, 1);

    /// <summary>
    /// A MOVED reply: the multiplexer sends the slot's commands to the new owner from now on, so its calls report to, and
    /// its reads are counted by, the new owner's health at once (a server not verified yet does not count; after a
    /// failover the promoted one may lack writes). The shard list follows at the next refresh.
    /// </summary>
    private void OnHashSlotMoved(object? sender, HashSlotMovedEventArgs e)
    {
        if (_slotHealth is { } table && e.NewEndPoint is { } owner && (uint)e.HashSlot < (uint)table.Length)
        {
            table[e.HashSlot] = ShardHealth(NameOf(owner));
        }

        OnTopologyChanged(sender, e);
    }

    private static string NameOf(EndPoint endpoint) => endpoint.ToString() ?? string.Empty;
}
