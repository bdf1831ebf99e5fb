using System;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace AnarchoRedis.Testing.Tests;

/// <summary>The whole-keyspace comparison: what counts as a difference, and what is per node by design.</summary>
public sealed class KeyspaceComparisonTests
{
    [Fact]
    public async Task Nodes_holding_the_same_keys_with_the_same_expiry_are_identical_and_per_node_keys_do_not_count()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 2, Proxies = false });
        var at = DateTimeOffset.UtcNow.AddHours(1);
        foreach (var node in cluster.Nodes)
        {
            await node.Db.StringSetAsync("a", "1");
            await node.Db.KeyExpireAsync("a", at.UtcDateTime);
            await node.Db.HashSetAsync("h", [new("x", "1"), new("y", "2")]);
            await node.Db.ListRightPushAsync("l", ["p", "q"]);
            await node.Db.HashSetAsync(AnarchoRedisOptions.DefaultEpochKey, "id", node.DirectEndPoint);
            await node.Db.StreamAddAsync(HintOptions.DefaultStreamPrefix + node.DirectEndPoint, "k", "v");
        }

        Assert.Empty(await KeyspaceComparison.CompareAsync(cluster.Nodes));
    }

    [Fact]
    public async Task A_different_expiry_field_order_or_a_missing_key_is_a_difference_named_per_node()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 2, Proxies = false });
        await cluster[0].Db.StringSetAsync("ttl", "1");
        await cluster[1].Db.StringSetAsync("ttl", "1");
        await cluster[1].Db.KeyExpireAsync("ttl", TimeSpan.FromHours(1));
        await cluster[0].Db.ListRightPushAsync("order", ["p", "q"]);
        await cluster[1].Db.ListRightPushAsync("order", ["q", "p"]);
        await cluster[0].Db.StringSetAsync("only-on-0", "x");

        var differences = await KeyspaceComparison.CompareAsync(cluster.Nodes);

        Assert.Equal(["only-on-0", "order", "ttl"], differences.Select(d => d.Key).ToArray());
        Assert.Null(differences[0].ByNode[1].Text);
        Assert.Contains(cluster[1].DirectEndPoint, differences[2].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_that_expired_between_two_nodes_reads_is_no_difference_but_one_expiring_later_is()
    {
        // Node a was read while the key still lived (its expiry at 1,000 ms); node b after it had expired.
        var a = new System.Collections.Generic.SortedDictionary<string, string> { ["k"] = "String exp=1000 AA", ["later"] = "String exp=5000 AA" };
        var b = new System.Collections.Generic.SortedDictionary<string, string>();

        Assert.Equal(2, KeyspaceComparison.Differences([("a", a), ("b", b)]).Count);
        var asOf = KeyspaceComparison.Differences([("a", a), ("b", b)], expiredBy: 1000);
        Assert.Equal("later", Assert.Single(asOf).Key);
        Assert.True(KeyspaceComparison.ExpiredBy("String exp=1000 AA", 1000));
        Assert.False(KeyspaceComparison.ExpiredBy("String exp=-1 AA", 1000));
    }

    [Fact]
    public async Task A_key_expiring_during_the_comparison_is_not_reported()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 2, Proxies = false });
        await cluster[0].Db.StringSetAsync("soon", "1");
        await cluster[0].Db.ExecuteAsync("PEXPIREAT", "soon", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1 + 300);
        var snapshot = await KeyspaceComparison.SnapshotAsync(cluster[0].Server, cluster[0].Db);
        Assert.Contains("soon", snapshot.Keys);
        await Task.Delay(400);

        // Read once while it lived (node 0) and once after (node 1 never had it): expired by the time of the later read.
        var later = await KeyspaceComparison.SnapshotAsync(cluster[1].Server, cluster[1].Db);
        Assert.Empty(KeyspaceComparison.Differences([("0", snapshot), ("1", later)], expiredBy: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        Assert.Empty(await KeyspaceComparison.CompareAsync(cluster.Nodes));
    }
}
