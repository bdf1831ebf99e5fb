using System;
using System.Threading.Tasks;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.Testing.Tests;

/// <summary>Kill, restart and pause on redis-server nodes, seen through a real StackExchange.Redis connection.</summary>
public sealed class RedisServerFaultTests
{
    [Fact]
    public async Task Kill_makes_commands_fail_and_the_process_is_gone()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1 });
        var node = cluster[0];
        await using var connection = await Connections.ConnectAsync(node.EndPoint, failFast: true);
        var db = connection.GetDatabase();
        Assert.True(await db.StringSetAsync("k", "v"));
        var pid = node.Pid;

        node.Kill();

        Assert.Equal(LocalNodeState.Killed, node.State);
        Assert.Equal(0, node.Pid);
        Assert.False(Connections.ProcessExists(pid));
        var error = await Assert.ThrowsAnyAsync<Exception>(() => db.StringSetAsync("k", "w"));
        Assert.True(error is RedisConnectionException or RedisTimeoutException, error.ToString());
        Assert.Throws<InvalidOperationException>(() => node.Db);
    }

    [Fact]
    public async Task Restart_losing_data_comes_back_empty_on_the_same_port()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1 });
        var node = cluster[0];
        await using var connection = await Connections.ConnectAsync(node.EndPoint);
        Assert.True(await connection.GetDatabase().StringSetAsync("k", "v"));
        var port = node.Port;
        var endPoint = node.EndPoint;

        await node.RestartAsync(RestartMode.LoseData);

        Assert.Equal(LocalNodeState.Running, node.State);
        Assert.Equal(port, node.Port);
        Assert.Equal(endPoint, node.EndPoint);
        Assert.False(await node.Db.KeyExistsAsync("k"));
        // The client reconnects through the same endpoint and sees the empty node.
        await Connections.EventuallyAsync(
            async () => { try { return !await connection.GetDatabase().KeyExistsAsync("k"); } catch (RedisException) { return false; } catch (TimeoutException) { return false; } },
            "the client reaches the restarted node");
    }

    [Fact]
    public async Task Restart_keeping_data_with_persistence_keeps_an_acknowledged_write_after_kill()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1, Persistence = true });
        var node = cluster[0];
        await using (var connection = await Connections.ConnectAsync(node.EndPoint))
        {
            Assert.True(await connection.GetDatabase().StringSetAsync("acked", "yes"));
        }

        node.Kill();
        await node.RestartAsync(RestartMode.KeepData);

        Assert.Equal("yes", (string?)await node.Db.StringGetAsync("acked"));
    }

    [Fact]
    public async Task Restart_keeping_data_without_persistence_loads_the_last_snapshot()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1, Proxies = false });
        var node = cluster[0];
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.RestartAsync(RestartMode.KeepData));
        Assert.Equal(LocalNodeState.Running, node.State);

        await node.Db.StringSetAsync("before", "1");
        await node.SnapshotAsync();
        await node.Db.StringSetAsync("after", "2");
        node.Kill();
        await node.RestartAsync(RestartMode.KeepData);

        Assert.Equal("1", (string?)await node.Db.StringGetAsync("before"));
        Assert.False(await node.Db.KeyExistsAsync("after"));
    }

    [Fact]
    public async Task Restart_from_the_snapshot_with_persistence_loses_what_came_after_it_and_persists_again()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1, Proxies = false, Persistence = true });
        var node = cluster[0];
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.RestartAsync(RestartMode.FromSnapshot));
        Assert.Equal(LocalNodeState.Running, node.State);

        await node.Db.StringSetAsync("before", "1");
        await node.SnapshotAsync();
        await node.Db.StringSetAsync("after", "2");   // in the append-only file, not in the snapshot
        await node.RestartAsync(RestartMode.FromSnapshot);

        Assert.Equal("1", (string?)await node.Db.StringGetAsync("before"));
        Assert.False(await node.Db.KeyExistsAsync("after"));

        // The append-only file is back on: a write acknowledged now survives a kill.
        await node.Db.StringSetAsync("later", "3");
        node.Kill();
        await node.RestartAsync(RestartMode.KeepData);
        Assert.Equal("3", (string?)await node.Db.StringGetAsync("later"));
        Assert.Equal("1", (string?)await node.Db.StringGetAsync("before"));
    }

    [Fact]
    public async Task A_restart_with_a_key_load_delay_answers_loading_until_the_data_is_in()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1, Proxies = false });
        var node = cluster[0];
        for (var i = 0; i < 100; i++)
        {
            await node.Db.StringSetAsync("k" + i, new string('v', 200));
        }

        await node.SnapshotAsync();
        // 100 keys x 15 ms: about 1.5 s of loading, during which the server answers LOADING (it serves clients between
        // keys once every 1024 bytes read; 100 keys of 200 bytes are 20 KB).
        var restart = node.RestartWithArgumentsAsync(RestartMode.KeepData, ["--key-load-delay", "15000", "--loading-process-events-interval-bytes", "1024"], default);
        var sawLoading = false;
        while (!restart.IsCompleted && !sawLoading)
        {
            sawLoading = (await PingAsync(node.Port)).StartsWith("-LOADING", StringComparison.Ordinal);
            await Task.Delay(20);
        }

        await restart;
        Assert.True(sawLoading, "no LOADING reply while the node loaded");
        Assert.Equal(100L, (long)await node.Db.ExecuteAsync("DBSIZE"));
    }

    /// <summary>One PING on a fresh socket: the reply's first line, or empty when nothing answers.</summary>
    private static async Task<string> PingAsync(int port)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            using var timeout = new System.Threading.CancellationTokenSource(500);
            await client.ConnectAsync(System.Net.IPAddress.Loopback, port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[128];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or System.IO.IOException or OperationCanceledException)
        {
            return string.Empty;
        }
    }

    [Fact]
    public async Task Pause_makes_a_command_time_out_and_after_resume_it_ran()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1 });
        var node = cluster[0];
        await using var connection = await Connections.ConnectAsync(node.EndPoint, timeoutMs: 500);
        var db = connection.GetDatabase();
        Assert.True(await db.StringSetAsync("k", "before"));

        node.Pause();
        Assert.Equal(LocalNodeState.Paused, node.State);
        Assert.True(node.IsRunning);
        await Assert.ThrowsAsync<RedisTimeoutException>(() => db.StringSetAsync("k", "during"));
        node.Resume();

        Assert.Equal(LocalNodeState.Running, node.State);
        // Indeterminate: the command that timed out still ran once the node continued.
        await Connections.EventuallyAsync(async () => (string?)await node.Db.StringGetAsync("k") == "during", "the timed-out SET ran after SIGCONT");
    }

    [Fact]
    public async Task Heal_restarts_killed_nodes_resumes_paused_ones_and_ends_partitions()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 3 });
        await cluster[0].Db.StringSetAsync("kept", "1");
        await cluster[0].SnapshotAsync();
        cluster[0].Kill();
        cluster[1].Pause();
        cluster[2].Partition();
        cluster[2].Latency = TimeSpan.FromMilliseconds(20);

        await cluster.HealAsync();

        Assert.All(cluster.Nodes, n => Assert.Equal(LocalNodeState.Running, n.State));
        Assert.All(cluster.Nodes, n => Assert.False(n.Proxy!.IsPartitioned));
        Assert.All(cluster.Nodes, n => Assert.Equal(TimeSpan.Zero, n.Latency));
        Assert.Equal("1", (string?)await cluster[0].Db.StringGetAsync("kept"));
        foreach (var endPoint in cluster.EndPoints)
        {
            await using var connection = await Connections.ConnectAsync(endPoint);
            await connection.GetDatabase().PingAsync();
        }
    }

    [Fact]
    public async Task Options_name_every_client_facing_endpoint()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 2 });

        var options = cluster.CreateOptions(o => o.NodeTimeout = TimeSpan.FromMilliseconds(300));

        Assert.Equal(cluster.EndPoints, options.Nodes);
        Assert.Equal(TimeSpan.FromMilliseconds(300), options.NodeTimeout);
        Assert.All(cluster.Nodes, n => Assert.NotEqual(n.DirectEndPoint, n.EndPoint));
    }
}
