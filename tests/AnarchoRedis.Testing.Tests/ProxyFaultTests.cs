using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.Testing.Tests;

/// <summary>Partitions, latency and resets through the in-process proxy, seen through a real StackExchange.Redis connection.</summary>
public sealed class ProxyFaultTests
{
    [Fact]
    public async Task Stall_partition_times_out_a_command_that_runs_after_heal()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1 });
        var node = cluster[0];
        await using var connection = await Connections.ConnectAsync(node.EndPoint, timeoutMs: 500);
        var db = connection.GetDatabase();
        Assert.True(await db.StringSetAsync("k", "before"));

        node.Partition(PartitionMode.Stall);
        Assert.True(node.Proxy!.IsPartitioned);
        await Assert.ThrowsAsync<RedisTimeoutException>(() => db.StringSetAsync("k", "stalled"));
        // Held in the proxy: the node has not seen it.
        Assert.Equal("before", (string?)await node.Db.StringGetAsync("k"));
        node.Heal();

        await Connections.EventuallyAsync(async () => (string?)await node.Db.StringGetAsync("k") == "stalled", "the stalled SET is delivered after the heal");
        Assert.Equal("stalled", (string?)await db.StringGetAsync("k"));
    }

    [Fact]
    public async Task Stall_holds_new_connections_until_heal()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1 });
        var node = cluster[0];
        node.Partition();

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, node.Proxy!.Port);
        await socket.SendAsync("PING\r\n"u8.ToArray());
        var buffer = new byte[16];
        var reading = socket.ReceiveAsync(buffer.AsMemory()).AsTask();
        await Task.Delay(300);
        Assert.False(reading.IsCompleted, "a stalled proxy answered");
        Assert.Equal(1, node.Proxy.OpenConnections);
        node.Heal();

        var read = await reading.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("+PONG\r\n", System.Text.Encoding.ASCII.GetString(buffer, 0, read));
    }

    [Fact]
    public async Task Reset_partition_fails_fast_with_a_connection_error()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1 });
        var node = cluster[0];
        await using var connection = await Connections.ConnectAsync(node.EndPoint, timeoutMs: 10_000, failFast: true);
        var db = connection.GetDatabase();
        Assert.True(await db.StringSetAsync("k", "before"));

        node.Partition(PartitionMode.Reset);
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => db.StringSetAsync("k", "during"));
        watch.Stop();

        // A connection error, not the 10 s timeout: the node is unreachable and says so.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}: {error}");
        Assert.Equal("before", (string?)await node.Db.StringGetAsync("k"));

        // New connections are reset at once too.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var outcome = await Record.ExceptionAsync(async () =>
        {
            await socket.ConnectAsync(IPAddress.Loopback, node.Proxy!.Port);
            var read = await socket.ReceiveAsync(new byte[16].AsMemory()).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0, read);
        });
        Assert.True(outcome is null or SocketException { SocketErrorCode: SocketError.ConnectionReset }, outcome?.ToString());

        node.Heal();
        await Connections.EventuallyAsync(
            async () => { try { return await db.StringSetAsync("k", "after"); } catch (RedisConnectionException) { return false; } },
            "the client reconnects after the heal");
    }

    [Fact]
    public async Task Latency_adds_at_least_the_delay_each_way_to_a_round_trip()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1 });
        var node = cluster[0];
        await using var connection = await Connections.ConnectAsync(node.EndPoint, timeoutMs: 5000);
        var db = connection.GetDatabase();
        await db.PingAsync();

        node.Latency = TimeSpan.FromMilliseconds(100);
        var watch = Stopwatch.StartNew();
        await db.PingAsync();
        watch.Stop();

        // One-way delay in each direction; 2 ms for timer rounding.
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(198), $"round trip took {watch.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Latency_keeps_order_of_many_pipelined_commands()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1 });
        var node = cluster[0];
        await using var connection = await Connections.ConnectAsync(node.EndPoint, timeoutMs: 10_000);
        var db = connection.GetDatabase();
        node.Latency = TimeSpan.FromMilliseconds(5);

        var writes = Enumerable.Range(0, 5000).Select(i => db.StringSetAsync("order", i.ToString(CultureInfo.InvariantCulture))).ToArray();
        var appends = Enumerable.Range(0, 2000).Select(i => db.ListRightPushAsync("sequence", i)).ToArray();
        await Task.WhenAll(writes);
        await Task.WhenAll(appends);

        Assert.Equal("4999", (string?)await node.Db.StringGetAsync("order"));
        var sequence = await node.Db.ListRangeAsync("sequence");
        Assert.Equal(Enumerable.Range(0, 2000), sequence.Select(v => (int)v));
        node.Latency = TimeSpan.Zero;
        Assert.Equal(4999, (int)await db.StringGetAsync("order"));
    }

    [Fact]
    public async Task Forwards_many_small_commands_from_many_connections()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1 });
        var node = cluster[0];
        var connections = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Connections.ConnectAsync(node.EndPoint, timeoutMs: 10_000)));
        try
        {
            var counting = connections.Select(c => Task.WhenAll(Enumerable.Range(0, 5000).Select(_ => c.GetDatabase().StringIncrementAsync("n"))));
            await Task.WhenAll(counting);
            Assert.Equal(20_000, (int)await node.Db.StringGetAsync("n"));
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ResetConnections_resets_open_connections_and_dispose_closes_the_rest()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1 });
        var proxy = cluster[0].Proxy!;
        await using var connection = await Connections.ConnectAsync(cluster[0].EndPoint, failFast: true);
        await connection.GetDatabase().PingAsync();
        Assert.True(proxy.OpenConnections >= 1);

        proxy.ResetConnections();
        var outcome = await Record.ExceptionAsync(() => connection.GetDatabase().PingAsync());
        Assert.True(outcome is null or RedisConnectionException, outcome?.ToString());
        // The client reconnects on its own.
        await Connections.EventuallyAsync(
            async () => { try { await connection.GetDatabase().PingAsync(); return true; } catch (RedisConnectionException) { return false; } },
            "the client reconnects after a reset");

        // A stall with held bytes and connections must not hold up dispose.
        proxy.Partition();
        _ = connection.GetDatabase().PingAsync();
        await proxy.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, proxy.OpenConnections);
    }

    [Fact]
    public async Task A_partition_without_a_proxy_is_refused()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1, Proxies = false });

        Assert.Null(cluster[0].Proxy);
        Assert.Equal(cluster[0].DirectEndPoint, cluster[0].EndPoint);
        Assert.Throws<InvalidOperationException>(() => cluster[0].Partition());
        Assert.Throws<InvalidOperationException>(() => cluster[0].Latency = TimeSpan.FromMilliseconds(1));
    }
}
