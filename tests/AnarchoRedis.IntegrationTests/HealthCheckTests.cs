using System;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

/// <summary>
/// <c>AddHealthChecks().AddAnarchoRedisChecks()</c>: a check of the replica set and one per node, as the client sees
/// them, with nodes paused, killed and wiped on real redis-servers.
/// </summary>
public sealed class HealthCheckTests
{
    [Fact]
    public async Task The_set_is_healthy_then_degraded_with_one_node_down_and_unhealthy_below_a_majority_and_each_node_says_which()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var services = new ServiceCollection();
        services.AddAnarchoRedis(o =>
        {
            foreach (var node in cluster.Nodes)
            {
                o.Nodes.Add(node.EndPoint);
            }

            o.NodeTimeout = TimeSpan.FromMilliseconds(500);
            o.Health.ProbeInterval = TimeSpan.FromMilliseconds(200);
        });
        services.AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(Microsoft.Extensions.Logging.Abstractions.NullLogger<>));
        services.AddHealthChecks().AddAnarchoRedisChecks(tags: ["ready"]);
        await using var provider = services.BuildServiceProvider();
        var checks = provider.GetRequiredService<HealthCheckService>();
        var store = provider.GetRequiredService<AnarchoRedisClient>().GetValueStore(Profile.Descriptor);
        string[] nodes = [cluster[0].EndPoint, cluster[1].EndPoint, cluster[2].EndPoint];

        var report = await checks.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal(4, report.Entries.Count);
        Assert.Equal(3, report.Entries["anarchoredis"].Data["ready"]);
        Assert.Equal("Healthy", report.Entries["anarchoredis"].Data[nodes[2] + ".state"]);
        Assert.Contains("ready", report.Entries["anarchoredis:" + nodes[1]].Tags);

        // Node 2 paused: once its circuit opens, the set is degraded and node 2's own check is unhealthy.
        cluster[2].Pause();
        try
        {
            await Eventually.HoldsAsync(
                async () =>
                {
                    await TouchAsync(store);
                    return (await checks.CheckHealthAsync()).Entries["anarchoredis:" + nodes[2]].Status == HealthStatus.Unhealthy;
                },
                "node 2's check turns unhealthy",
                TimeSpan.FromSeconds(20));
            report = await checks.CheckHealthAsync();
            Assert.Equal(HealthStatus.Degraded, report.Entries["anarchoredis"].Status);
            Assert.Equal("Open", report.Entries["anarchoredis"].Data[nodes[2] + ".state"]);
            Assert.Equal(HealthStatus.Healthy, report.Entries["anarchoredis:" + nodes[0]].Status);
            Assert.Equal(HealthStatus.Unhealthy, report.Status);

            // Node 1 killed as well: below a majority, the set is unhealthy.
            cluster[1].Kill();
            await Eventually.HoldsAsync(
                async () =>
                {
                    await TouchAsync(store);
                    return (await checks.CheckHealthAsync()).Entries["anarchoredis"].Status == HealthStatus.Unhealthy;
                },
                "the set turns unhealthy",
                TimeSpan.FromSeconds(20));
            Assert.Contains("fewer than a majority", (await checks.CheckHealthAsync()).Entries["anarchoredis"].Description, StringComparison.Ordinal);
        }
        finally
        {
            cluster[2].Resume();
        }

        // Node 1 back empty: it answers and takes writes but refills, so its check is degraded, not healthy.
        await cluster[1].RestartAsync(Testing.RestartMode.LoseData);
        await Eventually.HoldsAsync(
            async () => (await checks.CheckHealthAsync()).Entries["anarchoredis:" + nodes[1]].Status == HealthStatus.Degraded,
            "node 1's check says it refills",
            TimeSpan.FromSeconds(20));
        Assert.Contains("refilling", (await checks.CheckHealthAsync()).Entries["anarchoredis:" + nodes[1]].Description, StringComparison.Ordinal);
    }

    /// <summary>An operation, so that failures reach the circuits (the probe alone also opens them, only slower).</summary>
    private static async Task TouchAsync(ReplicatedValueStore<Profile> store)
    {
        try
        {
            await store.SetAsync("profile:health", new Profile { Id = 1 });
        }
        catch (AnarchoRedisException)
        {
            // Below a quorum.
        }
    }
}
