using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;
using StackExchange.Redis;

namespace AnarchoRedis.IntegrationTests.AntiEntropy;

/// <summary>
/// Everything one node holds, key by key, as comparable text (type, content with hash fields sorted, absolute
/// expiry), read directly from the node: two nodes are identical when their dumps are equal.
/// </summary>
internal static class NodeDump
{
    /// <summary>The default epoch key name (empty-restart detection), left out of dumps.</summary>
    public const string EpochKey = "anrcho_epoch";

    /// <summary>
    /// Dumps one node. Slot digest keys are left out unless asked for (their due hint may differ); the epoch key (its id
    /// differs per node) and hint streams (each node's notes about the others, never its own) always are.
    /// </summary>
    public static async Task<SortedDictionary<string, string>> TakeAsync(LocalNode node, bool slotKeys = false)
    {
        var db = node.Db;
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await foreach (var key in node.Server.KeysAsync(pageSize: 1000))
        {
            var name = (string)key!;
            if (!slotKeys && name.StartsWith("anrcho_slot:", StringComparison.Ordinal))
            {
                continue;
            }

            // The epoch key is per node by design; hint streams are each node's notes about the others: never equal.
            if (name == EpochKey || name.StartsWith(HintOptions.DefaultStreamPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            result[name] = await KeyDump.DescribeAsync(db, key);
        }

        return result;
    }

    /// <summary>The keys on which two dumps differ, with both sides, for a readable failure.</summary>
    public static string Differences(SortedDictionary<string, string> a, SortedDictionary<string, string> b, int max = 10)
    {
        var lines = a.Keys.Union(b.Keys)
            .Where(k => a.GetValueOrDefault(k) != b.GetValueOrDefault(k))
            .Take(max)
            .Select(k => $"{k}: [{Shorten(a.GetValueOrDefault(k))}] vs [{Shorten(b.GetValueOrDefault(k))}]");
        return string.Join(Environment.NewLine, lines);
    }

    private static string Shorten(string? s) => s is null ? "absent" : s.Length <= 160 ? s : s[..160] + "…";

    /// <summary>Asserts that every node of the cluster holds exactly what node 0 holds.</summary>
    public static async Task AssertIdenticalAsync(RedisCluster cluster, bool slotKeys = false)
    {
        var first = await TakeAsync(cluster[0], slotKeys);
        for (var i = 1; i < cluster.Nodes.Count; i++)
        {
            var other = await TakeAsync(cluster[i], slotKeys);
            var differences = Differences(first, other);
            Xunit.Assert.True(differences.Length == 0, $"node {i} differs from node 0 ({first.Count} vs {other.Count} keys):{Environment.NewLine}{differences}");
        }
    }
}
