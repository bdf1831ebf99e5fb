using System;
using System.Threading.Tasks;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.Testing.Tests;

/// <summary>In-process Garnet nodes: start, kill, restart empty; the faults it cannot do say so.</summary>
public sealed class GarnetBackendTests
{
    [Fact]
    public async Task Garnet_nodes_start_kill_and_restart_empty()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 2, Backend = LocalNodeBackend.Garnet });
        var node = cluster[0];
        Assert.Equal(LocalNodeBackend.Garnet, node.Backend);
        Assert.Equal(0, node.Pid);
        await using var connection = await Connections.ConnectAsync(node.EndPoint, failFast: true);
        var db = connection.GetDatabase();
        Assert.True(await db.StringSetAsync("k", "v"));
        Assert.Equal("v", (string?)await db.ScriptEvaluateAsync("return redis.call('GET', KEYS[1])", ["k"]));

        node.Kill();
        Assert.Equal(LocalNodeState.Killed, node.State);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => db.StringGetAsync("k"));
        Assert.True(error is RedisConnectionException or RedisTimeoutException, error.ToString());

        await node.RestartAsync(RestartMode.LoseData);
        Assert.Equal(LocalNodeState.Running, node.State);
        Assert.False(await node.Db.KeyExistsAsync("k"));
        Assert.True(await cluster[1].Db.StringSetAsync("k2", "v"), "the other node is untouched");
    }

    [Fact]
    public async Task Garnet_refuses_pause_and_restart_keeping_data_with_a_clear_message()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1, Backend = LocalNodeBackend.Garnet });

        var pause = Assert.Throws<NotSupportedException>(() => cluster[0].Pause());
        Assert.Contains("Partition", pause.Message, StringComparison.Ordinal);
        var keep = await Assert.ThrowsAsync<NotSupportedException>(() => cluster[0].RestartAsync(RestartMode.KeepData));
        Assert.Contains("LoseData", keep.Message, StringComparison.Ordinal);
        Assert.Equal(LocalNodeState.Running, cluster[0].State);

        // A hang on Garnet is a stalled partition.
        cluster[0].Partition();
        await cluster.HealAsync();
        Assert.False(cluster[0].Proxy!.IsPartitioned);
    }
}
