using System;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

/// <summary>
/// Blocking read repair is what makes quorum reads monotonic: a value returned by a read is, once it returns, held by a
/// quorum. When the repair fails, the read must say so rather than return a value a later quorum read may not see.
/// </summary>
public sealed class ReadRepairOutcomeTests
{
    private static void NoHints(AnarchoRedisOptions options) => options.Hints.Enabled = false;

    /// <summary>The node refuses every write (above maxmemory, noeviction) and still answers reads.</summary>
    private static async Task RefuseWritesAsync(LocalNode node)
    {
        await node.Db.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "noeviction");
        for (var i = 0; i < 4; i++)
        {
            await node.Db.StringSetAsync($"filler:{i}", new byte[1024 * 1024]);
        }

        await node.Db.ExecuteAsync("CONFIG", "SET", "maxmemory", "1mb");
    }

    [Fact]
    public async Task A_quorum_read_whose_blocking_repair_fails_is_reported_instead_of_returning_a_value_one_node_holds()
    {
        await using var cluster = await RedisCluster.StartAsync();
        using var meters = new TestMeterFactory();
        using var repairs = new CounterRecorder(meters, "anarchoredis.read_repairs");
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints), meterFactory: meters);
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:repair-refused";
        await store.SetAsync(key, new Profile { Id = 1, Name = "v1" }, WriteOptions.All);

        // v2 reaches node 0 only (a W = 1 write); node 1 then refuses writes, and node 2 is down.
        var one = (await cluster.CreateClientAsync(NoHints, nodes: [0])).GetValueStore(Profile.Descriptor);
        await one.GetAsync(key, ReadOptions.One);
        await one.SetAsync(key, new Profile { Id = 1, Name = "v2" }, WriteOptions.One);
        await RefuseWritesAsync(cluster[1]);
        cluster[2].Kill();

        // R = 2 answers (v2 on node 0, v1 on node 1); v2 wins but cannot be written to node 1: only one node holds it,
        // and a later quorum read of nodes 1 and 2 would go back to v1. The read fails, naming the refused repair.
        var read = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.GetAsync(key, ReadOptions.Quorum));
        Assert.False(read.IsIndeterminate);
        Assert.Equal(NodeOutcomeKind.Failed, read.Outcomes[1].Kind);
        Assert.Contains("OOM", read.Outcomes[1].Error?.Message ?? string.Empty, StringComparison.Ordinal);
        Assert.True(repairs.Tagged("result", "failed") >= 1, repairs.ToString());
    }
}
