using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.Testing.Processes;
using StackExchange.Redis;
using Xunit;
using Xunit.Abstractions;

namespace AnarchoRedis.Testing.Tests;

/// <summary>Replicas made of Redis Clusters: real cluster-mode redis-servers behind proxies, seen through StackExchange.Redis.</summary>
public sealed class ClusterModeTests(ITestOutputHelper output)
{
    private static LocalClusterOptions Options(int replicas, int shards, int shardReplicas = 0) =>
        new() { NodeCount = replicas, ClusterMode = true, ShardsPerReplica = shards, ShardReplicas = shardReplicas };

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Three_replicas_of_three_shards_start_with_every_shard_ok_and_all_slots_served_at_proxy_ports(int shardReplicas)
    {
        var watch = Stopwatch.StartNew();
        await using var cluster = await LocalCluster.StartAsync(Options(3, 3, shardReplicas));
        output.WriteLine($"3 x 3 with {shardReplicas} replica(s) per shard ({cluster.Nodes.Count} redis-servers): ready in {watch.Elapsed.TotalSeconds:0.00} s");

        Assert.Equal(3 * 3 * (1 + shardReplicas), cluster.Nodes.Count);
        Assert.Equal(3, cluster.Replicas.Count);
        Assert.Equal(3, cluster.EndPoints.Count);
        Assert.Equal(cluster.Replicas.Select(r => r.ConfigurationString), cluster.CreateOptions().Nodes);
        foreach (var replica in cluster.Replicas)
        {
            Assert.Equal(3, replica.Shards.Count);
            Assert.Equal(16384, replica.Shards.Sum(s => s.SlotRanges.Sum(r => r.Count)));
            var proxyPorts = replica.Nodes.Select(n => n.Proxy!.Port).ToHashSet();
            foreach (var node in replica.Nodes)
            {
                var info = (string)(await node.Server.ExecuteAsync("CLUSTER", "INFO"))!;
                Assert.Contains("cluster_state:ok", info);
                Assert.Contains("cluster_slots_assigned:16384", info);
                Assert.Contains($"cluster_known_nodes:{replica.Nodes.Count}\r", info);
            }

            // Clients learn the proxies' ports from the cluster itself.
            var slots = (RedisResult[])(await replica.Nodes[0].Server.ExecuteAsync("CLUSTER", "SLOTS"))!;
            Assert.Equal(16384, slots.Sum(s => (int)s[1] - (int)s[0] + 1));
            Assert.All(slots, s => Assert.Contains((int)s[2][1], proxyPorts));
            // Each shard's second server replicates its primary (CLUSTER SLOTS lists replicas only once they replicated a write).
            var nodes = (string)(await replica.Nodes[0].Server.ExecuteAsync("CLUSTER", "NODES"))!;
            foreach (var shard in replica.Shards.Where(s => s.Nodes.Count > 1))
            {
                var secondary = shard.Nodes[1];
                Assert.Contains($"{secondary.ClusterNodeId} 127.0.0.1:{secondary.Proxy!.Port}@{secondary.BusPort} slave {shard.Primary.ClusterNodeId} ", nodes, StringComparison.Ordinal);
            }

            foreach (var shard in replica.Shards)
            {
                Assert.Equal(shard.Nodes[0], shard.Primary);
                var served = slots.Where(s => (string?)s[2][2] == shard.Primary.ClusterNodeId).Select(s => new SlotRange((int)s[0], (int)s[1]));
                Assert.Equal(shard.SlotRanges, served);
            }
        }
    }

    [Fact]
    public async Task A_client_writes_and_reads_a_key_in_every_slot_through_the_proxies()
    {
        await using var cluster = await LocalCluster.StartAsync(Options(1, 3));
        var replica = cluster.Replicas[0];
        await using var client = await Connections.ConnectAsync(replica.ConfigurationString, timeoutMs: 5000);
        var db = client.GetDatabase();
        var keys = KeyPerSlot(client);

        await Task.WhenAll(keys.Select(k => db.StringSetAsync(k, "v:" + (string?)k)));
        var values = await Task.WhenAll(keys.Select(k => db.StringGetAsync(k)));

        Assert.Equal(keys.Select(k => "v:" + (string?)k), values.Select(v => (string?)v));
        // Every shard holds its slots' keys, and the client reached each one through its proxy only.
        foreach (var shard in replica.Shards)
        {
            Assert.Equal(shard.SlotRanges.Sum(r => r.Count), await shard.Primary.Server.DatabaseSizeAsync());
            Assert.True(shard.Primary.Proxy!.OpenConnections > 0, $"no client connection through {shard}'s proxy");
        }

        Assert.All(client.GetEndPoints(), e => Assert.Contains(((System.Net.IPEndPoint)e).Port, replica.Nodes.Select(n => n.Proxy!.Port)));
    }

    [Fact]
    public async Task Killing_or_pausing_one_shard_leaves_the_other_shards_serving()
    {
        await using var cluster = await LocalCluster.StartAsync(Options(1, 3));
        var replica = cluster.Replicas[0];
        await using var client = await Connections.ConnectAsync(replica.ConfigurationString, timeoutMs: 500);
        var db = client.GetDatabase();
        var keys = replica.Shards.Select(s => KeyIn(client, s)).ToArray();
        foreach (var key in keys)
        {
            Assert.True(await db.StringSetAsync(key, "1"));
        }

        replica.Shards[0].Primary.Kill();
        await Assert.ThrowsAnyAsync<Exception>(() => db.StringGetAsync(keys[0]));
        Assert.Equal("1", (string?)await db.StringGetAsync(keys[1]));
        Assert.True(await db.StringSetAsync(keys[2], "2"));

        replica.Shards[1].Primary.Pause();
        await Assert.ThrowsAnyAsync<Exception>(() => db.StringGetAsync(keys[1]));
        Assert.Equal("2", (string?)await db.StringGetAsync(keys[2]));

        await cluster.HealAsync();
        await Connections.EventuallyAsync(
            async () => { try { return (string?)await db.StringGetAsync(keys[1]) == "1" && await db.StringSetAsync(keys[0], "3"); } catch (RedisException) { return false; } catch (TimeoutException) { return false; } },
            "every shard serves again after the heal");
    }

    [Fact]
    public async Task A_shard_restarted_empty_is_the_same_member_serving_the_same_slots_with_no_keys()
    {
        await using var cluster = await LocalCluster.StartAsync(Options(1, 3));
        var replica = cluster.Replicas[0];
        var shard = replica.Shards[1];
        var node = shard.Primary;
        var id = node.ClusterNodeId;
        var key = KeyIn(replica.Connection, shard);
        await replica.Db.StringSetAsync(key, "before");
        Assert.Equal(1, await node.Server.DatabaseSizeAsync());

        await node.RestartAsync(RestartMode.LoseData);

        Assert.Equal(id, (string?)await node.Server.ExecuteAsync("CLUSTER", "MYID"));
        Assert.Equal(0, await node.Server.DatabaseSizeAsync());
        Assert.Contains("cluster_state:ok", (string)(await node.Server.ExecuteAsync("CLUSTER", "INFO"))!);
        foreach (var other in replica.Nodes)
        {
            var slots = (RedisResult[])(await other.Server.ExecuteAsync("CLUSTER", "SLOTS"))!;
            Assert.Equal(shard.SlotRanges, slots.Where(s => (string?)s[2][2] == id).Select(s => new SlotRange((int)s[0], (int)s[1])));
        }

        await using var client = await Connections.ConnectAsync(replica.ConfigurationString, timeoutMs: 2000);
        Assert.False(await client.GetDatabase().KeyExistsAsync(key));
        Assert.True(await client.GetDatabase().StringSetAsync(key, "after"));
    }

    [Fact]
    public async Task Failover_makes_the_shards_replica_its_primary_with_the_data()
    {
        await using var cluster = await LocalCluster.StartAsync(Options(1, 3, shardReplicas: 1));
        var replica = cluster.Replicas[0];
        var shard = replica.Shards[2];
        var (oldPrimary, oldReplica) = (shard.Nodes[0], shard.Nodes[1]);
        await using var client = await Connections.ConnectAsync(replica.ConfigurationString, timeoutMs: 2000);
        var key = KeyIn(client, shard);
        Assert.True(await client.GetDatabase().StringSetAsync(key, "kept"));

        await shard.FailoverAsync();

        Assert.Same(oldReplica, shard.Primary);
        Assert.Equal("master", (string?)((RedisResult[])(await oldReplica.Server.ExecuteAsync("ROLE"))!)[0]);
        Assert.Equal("slave", (string?)((RedisResult[])(await oldPrimary.Server.ExecuteAsync("ROLE"))!)[0]);
        Assert.Equal("kept", (string?)await client.GetDatabase().StringGetAsync(key));
        Assert.True(await client.GetDatabase().StringSetAsync(key, "new"));
        Assert.Equal("new", (string?)await oldReplica.Server.Multiplexer.GetDatabase().StringGetAsync(key));
    }

    [Fact]
    public async Task Failover_after_the_primary_is_killed_forces_the_replica_to_take_over()
    {
        await using var cluster = await LocalCluster.StartAsync(Options(1, 3, shardReplicas: 1));
        var shard = cluster.Replicas[0].Shards[0];
        shard.Nodes[0].Kill();

        await shard.FailoverAsync();

        Assert.Same(shard.Nodes[1], shard.Primary);
        await shard.Nodes[0].RestartAsync(RestartMode.LoseData);
        Assert.Same(shard.Nodes[1], await shard.FindPrimaryAsync());
        Assert.Equal("slave", (string?)((RedisResult[])(await shard.Nodes[0].Server.ExecuteAsync("ROLE"))!)[0]);
    }

    [Fact]
    public async Task Moving_a_slot_moves_its_keys_and_a_client_follows_MOVED()
    {
        await using var cluster = await LocalCluster.StartAsync(Options(1, 3));
        var replica = cluster.Replicas[0];
        await using var client = await Connections.ConnectAsync(replica.ConfigurationString, timeoutMs: 2000);
        var db = client.GetDatabase();
        var keys = Enumerable.Range(0, 250).Select(i => (RedisKey)$"{{moving}}:{i}").ToArray();
        var slot = client.HashSlot(keys[0]);
        var from = replica.ShardOfSlot(slot);
        var to = replica.Shards.First(s => s != from);
        await Task.WhenAll(keys.Select(k => db.StringSetAsync(k, "v")));

        await replica.MoveSlotAsync(slot, to);

        Assert.Same(to, replica.ShardOfSlot(slot));
        Assert.Contains(to.SlotRanges, r => r.Contains(slot));
        Assert.DoesNotContain(from.SlotRanges, r => r.Contains(slot));
        Assert.Equal(250L, await to.Primary.Server.ExecuteAsync("CLUSTER", "COUNTKEYSINSLOT", slot) is var c ? (long)c : 0);
        Assert.Equal(0L, (long)await from.Primary.Server.ExecuteAsync("CLUSTER", "COUNTKEYSINSLOT", slot));
        // The client still thinks the old shard serves it: MOVED, followed.
        Assert.All(await Task.WhenAll(keys.Select(k => db.StringGetAsync(k))), v => Assert.Equal("v", (string?)v));
        Assert.True(await db.StringSetAsync(keys[0], "w"));
        Assert.Equal("w", (string?)await to.Primary.Server.Multiplexer.GetDatabase().StringGetAsync(keys[0]));
    }

    [Fact]
    public async Task A_partial_slot_migration_makes_a_client_follow_ASK()
    {
        await using var cluster = await LocalCluster.StartAsync(Options(1, 2));
        var replica = cluster.Replicas[0];
        await using var client = await Connections.ConnectAsync(replica.ConfigurationString, timeoutMs: 2000);
        var db = client.GetDatabase();
        RedisKey[] keys = ["{asking}:a", "{asking}:b", "{asking}:c"];
        var slot = client.HashSlot(keys[0]);
        var to = replica.Shards.First(s => !s.ServesSlot(slot));
        foreach (var key in keys)
        {
            await db.StringSetAsync(key, "v:" + (string?)key);
        }

        var migration = await replica.BeginSlotMigrationAsync(slot, to);
        Assert.Equal(1, await migration.MigrateKeysAsync(1));

        Assert.All(await Task.WhenAll(keys.Select(k => db.StringGetAsync(k))), (v, i) => Assert.Equal("v:" + (string?)keys[i], (string?)v));
        var stats = (string)(await to.Primary.Server.ExecuteAsync("INFO", "commandstats"))!;
        Assert.Contains("cmdstat_asking:calls=", stats);
        Assert.NotSame(to, replica.ShardOfSlot(slot));

        await migration.CompleteAsync();
        Assert.True(migration.IsCompleted);
        Assert.Same(to, replica.ShardOfSlot(slot));
        Assert.All(await Task.WhenAll(keys.Select(k => db.StringGetAsync(k))), (v, i) => Assert.Equal("v:" + (string?)keys[i], (string?)v));
    }

    [Fact]
    public async Task Keyspace_comparison_compares_replicas_as_the_union_of_their_shards()
    {
        await using var cluster = await LocalCluster.StartAsync(Options(2, 3));
        var keys = Enumerable.Range(0, 300).Select(i => (RedisKey)$"user:{i}").ToArray();
        foreach (var replica in cluster.Replicas)
        {
            await Task.WhenAll(keys.Select(k => replica.Db.StringSetAsync(k, "same")));
        }

        // Where a key lives inside one replica does not matter.
        var slot = cluster.Replicas[0].Connection.HashSlot(keys[7]);
        await cluster.Replicas[0].MoveSlotAsync(slot, cluster.Replicas[0].Shards.First(s => !s.ServesSlot(slot)));
        Assert.Empty(await KeyspaceComparison.CompareReplicasAsync(cluster.Replicas));
        Assert.Equal(300, (await cluster.Replicas[1].SnapshotAsync()).Count);

        await cluster.Replicas[1].Db.StringSetAsync(keys[3], "different");
        await cluster.Replicas[0].Db.StringSetAsync("only-on-0", "x");

        var differences = await KeyspaceComparison.CompareReplicasAsync(cluster.Replicas);
        Assert.Equal(["only-on-0", "user:3"], differences.Select(d => d.Key));
        Assert.Null(differences[0].ByNode[1].Text);
    }

    [Fact]
    public async Task Dispose_stops_every_cluster_server_and_removes_its_pid_file()
    {
        var cluster = await LocalCluster.StartAsync(Options(2, 2, shardReplicas: 1));
        var pids = cluster.Nodes.Select(n => n.Pid).ToArray();
        Assert.Equal(8, pids.Length);
        Assert.All(pids, pid => Assert.True(File.Exists(Path.Combine(ProcessRegistry.Directory, $"{pid}.pid"))));
        cluster.Replicas[1].Shards[0].Primary.Pause();

        await cluster.DisposeAsync();

        await Connections.EventuallyAsync(() => Task.FromResult(pids.All(pid => !Connections.ProcessExists(pid))), "every cluster redis-server is gone");
        Assert.All(pids, pid => Assert.False(File.Exists(Path.Combine(ProcessRegistry.Directory, $"{pid}.pid"))));
    }

    [Fact]
    public async Task Shard_options_without_cluster_mode_are_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => LocalCluster.StartAsync(new LocalClusterOptions { ShardsPerReplica = 3 }));
        await Assert.ThrowsAsync<ArgumentException>(() => LocalCluster.StartAsync(new LocalClusterOptions { ShardReplicas = 1 }));
        await Assert.ThrowsAsync<NotSupportedException>(() => LocalCluster.StartAsync(new LocalClusterOptions { ClusterMode = true, Backend = LocalNodeBackend.Garnet }));
    }

    [Fact]
    public async Task Without_cluster_mode_each_replica_is_one_standalone_node()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 2 });

        Assert.Equal(cluster.Nodes.Select(n => n.EndPoint), cluster.EndPoints);
        Assert.All(cluster.Replicas, r => Assert.False(r.IsCluster));
        Assert.All(cluster.Nodes, n => Assert.Null(n.Shard));
        Assert.Equal(cluster.Nodes[1].EndPoint, cluster.Replicas[1].ConfigurationString);
        await cluster.Replicas[0].Db.StringSetAsync("k", "v");
        Assert.Equal("v", (string?)await cluster.Nodes[0].Db.StringGetAsync("k"));
        Assert.Throws<InvalidOperationException>(() => cluster.Replicas[0].ShardOfSlot(0));
    }

    /// <summary>One key per hash slot, 0..16383.</summary>
    private static RedisKey[] KeyPerSlot(IConnectionMultiplexer client)
    {
        var keys = new RedisKey[16384];
        var found = 0;
        for (var i = 0; found < keys.Length; i++)
        {
            RedisKey key = "k" + i;
            var slot = client.HashSlot(key);
            if (keys[slot] == default(RedisKey))
            {
                keys[slot] = key;
                found++;
            }
        }

        return keys;
    }

    /// <summary>A key whose slot the shard serves.</summary>
    private static RedisKey KeyIn(IConnectionMultiplexer client, LocalShard shard)
    {
        for (var i = 0; ; i++)
        {
            RedisKey key = "key:" + i;
            if (shard.ServesSlot(client.HashSlot(key)))
            {
                return key;
            }
        }
    }
}
