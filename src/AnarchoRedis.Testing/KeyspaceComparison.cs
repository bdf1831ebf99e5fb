using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis.Testing;

/// <summary>
/// The final judge of convergence: every key of every node, compared byte for byte with its type and absolute expiry
/// (<see cref="KeyDump"/>), the library's own bookkeeping included (meta keys, list tombstones, slot digests and
/// indexes). Only what is per node by design is left out: the epoch key (per slot on a Redis Cluster) and the durable hint streams. After an
/// anti-entropy pass over a quiet cluster, <see cref="CompareAsync(IReadOnlyList{LocalNode}, int, CancellationToken)"/>
/// returns nothing.
/// </summary>
public static class KeyspaceComparison
{
    /// <summary>Whether a key is per node by design (never equal across nodes): the epoch key or a hint stream.</summary>
    /// <param name="key">The key.</param>
    /// <param name="epochKey">The epoch key name (<see cref="AnarchoRedisOptions.EpochKey"/>).</param>
    /// <param name="hintStreamPrefix">The hint stream prefix (<see cref="HintOptions.StreamPrefix"/>).</param>
    /// <returns>Whether the comparison leaves it out.</returns>
    public static bool IsPerNode(string key, string epochKey = AnarchoRedisOptions.DefaultEpochKey, string hintStreamPrefix = HintOptions.DefaultStreamPrefix)
    {
        ArgumentNullException.ThrowIfNull(key);
        // A node that is a Redis Cluster keeps its epoch per slot, in keys named epochKey:{tag}.
        return key == epochKey
            || (key.StartsWith(epochKey, StringComparison.Ordinal) && key.AsSpan(epochKey.Length).StartsWith(":{", StringComparison.Ordinal))
            || key.StartsWith(hintStreamPrefix, StringComparison.Ordinal);
    }

    /// <summary>Every key of one node (but the per-node ones) as comparable text, by key name.</summary>
    /// <param name="server">The node's server (for SCAN).</param>
    /// <param name="database">A direct connection to the node.</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    /// <returns>Key name to <see cref="KeyDump.DescribeAsync"/> text, in ordinal order.</returns>
    public static async Task<SortedDictionary<string, string>> SnapshotAsync(IServer server, IDatabase database, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(database);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await foreach (var key in server.KeysAsync(database.Database, pageSize: 1000).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var name = (string)key!;
            if (!IsPerNode(name))
            {
                var text = await KeyDump.DescribeAsync(database, key).ConfigureAwait(false);
                // Gone between the scan and the read (expired, or deleted): absent.
                if (!text.StartsWith(nameof(RedisType.None) + " ", StringComparison.Ordinal))
                {
                    result[name] = text;
                }
            }
        }

        return result;
    }

    /// <summary>Whether a <see cref="KeyDump"/> text carries an absolute expiry at or before <paramref name="unixMs"/> (the key is gone by then).</summary>
    /// <param name="text">The key's description.</param>
    /// <param name="unixMs">A time, Unix ms.</param>
    /// <returns>Whether the key expires at or before that time.</returns>
    public static bool ExpiredBy(string text, long unixMs)
    {
        ArgumentNullException.ThrowIfNull(text);
        var at = text.IndexOf(" exp=", StringComparison.Ordinal);
        if (at < 0)
        {
            return false;
        }

        var start = at + 5;
        var end = text.IndexOf(' ', start);
        return long.TryParse(text.AsSpan(start, (end < 0 ? text.Length : end) - start), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var expiry) &&
            expiry >= 0 && expiry <= unixMs;
    }

    /// <summary>Compares snapshots: every key that some node holds differently (or not at all).</summary>
    /// <param name="snapshots">Node name and snapshot, one per node.</param>
    /// <param name="maxDifferences">The most differences returned.</param>
    /// <param name="expiredBy">
    /// When the last snapshot was finished (Unix ms), or <see langword="null"/>: a key whose absolute expiry is at or
    /// before it counts as absent wherever it was read (it may have expired between two nodes' reads).
    /// </param>
    /// <returns>The differing keys, in ordinal order.</returns>
    public static IReadOnlyList<KeyspaceDifference> Differences(IReadOnlyList<(string Node, IReadOnlyDictionary<string, string> Snapshot)> snapshots, int maxDifferences = 100, long? expiredBy = null)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        var keys = new SortedSet<string>(snapshots.SelectMany(s => s.Snapshot.Keys), StringComparer.Ordinal);
        var differences = new List<KeyspaceDifference>();
        foreach (var key in keys)
        {
            var texts = snapshots.Select(s => s.Snapshot.GetValueOrDefault(key) is { } t && !(expiredBy is { } by && ExpiredBy(t, by)) ? t : null).ToArray();
            if (texts.Distinct(StringComparer.Ordinal).Count() > 1)
            {
                differences.Add(new KeyspaceDifference(key, snapshots.Select((s, i) => (s.Node, texts[i])).ToArray()));
                if (differences.Count >= maxDifferences)
                {
                    break;
                }
            }
        }

        return differences;
    }

    /// <summary>Snapshots every node (directly, not through its proxy) and compares them.</summary>
    /// <param name="nodes">The nodes.</param>
    /// <param name="maxDifferences">The most differences returned.</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    /// <returns>The differing keys; empty when every node holds exactly the same keyspace.</returns>
    public static async Task<IReadOnlyList<KeyspaceDifference>> CompareAsync(IReadOnlyList<LocalNode> nodes, int maxDifferences = 100, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var snapshots = new List<(string, IReadOnlyDictionary<string, string>)>();
        foreach (var node in nodes)
        {
            snapshots.Add((node.DirectEndPoint, await SnapshotAsync(node.Server, node.Db, cancellationToken).ConfigureAwait(false)));
        }

        return Differences(snapshots, maxDifferences, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    /// <summary>
    /// Snapshots every replica (<see cref="LocalReplica.SnapshotAsync"/>: in cluster mode the union of its shards'
    /// keyspaces, read directly from each shard's primary) and compares them, so whole-keyspace comparison works
    /// across N Redis Clusters as across N nodes.
    /// </summary>
    /// <param name="replicas">The replicas, e.g. <see cref="LocalCluster.Replicas"/>.</param>
    /// <param name="maxDifferences">The most differences returned.</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    /// <returns>The differing keys; empty when every replica holds exactly the same keyspace.</returns>
    /// <exception cref="InvalidOperationException">A shard has no running primary, or two shards of one replica hold the same key.</exception>
    public static async Task<IReadOnlyList<KeyspaceDifference>> CompareReplicasAsync(IReadOnlyList<LocalReplica> replicas, int maxDifferences = 100, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        var snapshots = new List<(string, IReadOnlyDictionary<string, string>)>();
        foreach (var replica in replicas)
        {
            snapshots.Add(("replica " + replica.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), await replica.SnapshotAsync(cancellationToken).ConfigureAwait(false)));
        }

        return Differences(snapshots, maxDifferences, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }
}

/// <summary>One key that the nodes do not hold identically.</summary>
/// <param name="Key">The key.</param>
/// <param name="ByNode">Each node's description of it (<see cref="KeyDump.DescribeAsync"/>; <see langword="null"/>: absent).</param>
public sealed record KeyspaceDifference(string Key, IReadOnlyList<(string Node, string? Text)> ByNode)
{
    /// <inheritdoc />
    public override string ToString() =>
        Key + ": " + string.Join(" | ", ByNode.Select(n => $"{n.Node} [{Shorten(n.Text)}]"));

    private static string Shorten(string? text) => text is null ? "absent" : text.Length <= 160 ? text : string.Concat(text.AsSpan(0, 160), "…");
}
