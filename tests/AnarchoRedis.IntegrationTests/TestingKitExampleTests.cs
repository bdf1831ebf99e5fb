using System;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

/// <summary>The example of docs/testing.md, run as written (with this project's model and node timeout).</summary>
public sealed class TestingKitExampleTests
{
    [Fact]
    public async Task The_documented_example_runs_and_the_cluster_heals()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 3 });
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(o => o.NodeTimeout = RedisCluster.DefaultNodeTimeout));
        var users = client.GetValueStore(Profile.Descriptor);
        var ada = new Profile { Id = 42, Name = "Ada" };

        cluster[2].Pause();
        var written = await users.SetAsync("profile:42", ada);
        Assert.True(written.Acknowledged >= 2, $"acknowledged by {written.Acknowledged}");
        cluster[2].Resume();

        cluster[1].Partition();
        cluster[1].Heal();
        cluster[0].Latency = TimeSpan.FromMilliseconds(50);

        cluster[0].Kill();
        await cluster[0].RestartAsync(RestartMode.LoseData);
        Assert.False(await cluster[0].Db.KeyExistsAsync("profile:42"));

        await cluster.HealAsync();
        Assert.Equal(TimeSpan.Zero, cluster[0].Latency);
        await Eventually.ClientReachesAllNodesAsync(client);
        Assert.Equal("Ada", (await users.GetAsync("profile:42"))?.Name);
    }
}
