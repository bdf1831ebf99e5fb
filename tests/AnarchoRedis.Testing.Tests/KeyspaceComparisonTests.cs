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
}
