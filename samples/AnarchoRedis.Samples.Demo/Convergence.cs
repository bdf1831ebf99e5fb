using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Testing;
using StackExchange.Redis;

namespace AnarchoRedis.Samples.Demo;

/// <summary>The final check: what every node holds, compared byte for byte with the testing kit's <see cref="KeyspaceComparison"/>.</summary>
internal static class Convergence
{
    public sealed record Result(int KeysCompared, IReadOnlyList<KeyspaceDifference> Differences);

    /// <param name="onlyKeys">Null: every key of every node (nodes the demo started); else only these keys (nodes given with --nodes may hold other data).</param>
    public static async Task<Result> CompareAsync(IReadOnlyList<IDemoNode> nodes, Inspector inspector, IReadOnlyList<string>? onlyKeys, CancellationToken ct)
    {
        var snapshots = new List<(string, IReadOnlyDictionary<string, string>)>();
        var all = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            IReadOnlyDictionary<string, string> snapshot = onlyKeys is null
                ? await KeyspaceComparison.SnapshotAsync(inspector.Server(i), inspector.Database(i), ct)
                : await SnapshotKeysAsync(inspector.Database(i), onlyKeys);
            all.UnionWith(snapshot.Keys);
            snapshots.Add((Watch.NodeName(i), snapshot));
        }

        return new Result(all.Count, KeyspaceComparison.Differences(snapshots, maxDifferences: 20, expiredBy: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
    }

    private static async Task<IReadOnlyDictionary<string, string>> SnapshotKeysAsync(IDatabase database, IReadOnlyList<string> keys)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var text = await KeyDump.DescribeAsync(database, key);
            if (!text.StartsWith(nameof(RedisType.None) + " ", StringComparison.Ordinal))
            {
                result[key] = text;
            }
        }

        return result;
    }
}
