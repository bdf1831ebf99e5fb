using System;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Lists;
using AnarchoRedis.Testing;
using StackExchange.Redis;
using Xunit;
using static AnarchoRedis.IntegrationTests.Cluster.ClusterSetup;

namespace AnarchoRedis.IntegrationTests.Cluster;

/// <summary>
/// Replicas that are Redis Clusters (3 replicas x 3 shards of cluster-mode redis-servers): each node string is a
/// replica's seeds, and everything the library does on standalone nodes holds per shard.
/// </summary>
public sealed class ClusterReplicaTests
{
    private static readonly ReplicatedTypeRegistry Registry = new(Profile.Descriptor, ChatMessage.Descriptor);

    [Fact]
    public async Task Values_and_lists_round_trip_on_three_clusters_and_every_replica_holds_the_same_keys_shard_by_shard()
    {
        await using var cluster = await LocalCluster.StartAsync(ThreeByThree);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var profiles = client.GetValueStore(Profile.Descriptor);
        var chats = client.GetListStore(ChatMessage.Descriptor);

        // Many keys, so every shard of every replica holds some; W = All, so every replica must take each one.
        for (var i = 0; i < 60; i++)
        {
            var written = await profiles.SetAsync($"profile:{i}", new Profile { Id = i, Name = "n" + i }, WriteOptions.All);
            Assert.Equal(3, written.Acknowledged);
        }

        await chats.PushRightAsync("chat:1", [ChatMessage.Of("a"), ChatMessage.Of("b"), ChatMessage.Of("c")], WriteOptions.All);
        await chats.RemoveAsync("chat:1", ChatMessage.Of("b"), WriteOptions.All);
        await profiles.DeleteAsync("profile:7", WriteOptions.All);

        Assert.Equal("n5", (await profiles.GetAsync("profile:5", ReadOptions.All))?.Name);
        Assert.Null(await profiles.GetAsync("profile:7", ReadOptions.All));
        Assert.Equal(["a", "c"], (await chats.RangeAsync("chat:1", 0, -1, ReadOptions.All)).Select(m => m.Text));
        Assert.All(client.Health, h => Assert.Equal(NodeHealthState.Healthy, h.State));
        foreach (var replica in cluster.Replicas)
        {
            Assert.All(replica.Shards, shard => Assert.True(shard.Primary.Server.DatabaseSize() > 0, $"{shard} holds keys"));
        }

        var differences = await KeyspaceComparison.CompareReplicasAsync(cluster.Replicas);
        Assert.Empty(differences);
    }

    [Fact]
    public async Task A_wiped_shard_does_not_count_its_empty_answer_so_an_acknowledged_write_is_read_back_and_only_that_shard_refills()
    {
        await using var cluster = await LocalCluster.StartAsync(ThreeByThree);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var profiles = client.GetValueStore(Profile.Descriptor);
        var replica2 = cluster.Replicas[2];
        // Not the shard of slot 0's epoch, nor of the old single epoch key: any shard must be watched.
        var key = KeyOnShard(replica2, 0, "profile:wiped");
        var other = KeyOnShard(replica2, 1, "profile:kept");
        await profiles.SetAsync(other, new Profile { Id = 2, Name = "kept" }, WriteOptions.All);

        // Replica 0 misses the write; replicas 1 and 2 acknowledge it.
        foreach (var shard in cluster.Replicas[0].Shards)
        {
            shard.Primary.Pause();
        }

        var written = await profiles.SetAsync(key, new Profile { Id = 1, Name = "acknowledged" }, WriteOptions.Quorum);
        Assert.Equal(2, written.Acknowledged);
        foreach (var shard in cluster.Replicas[0].Shards)
        {
            shard.Primary.Resume();
        }

        // Replica 2 loses the shard that holds it: an empty restart, its slots served again at once.
        var wiped = replica2.ShardOfKey(key);
        await wiped.Primary.RestartAsync(RestartMode.LoseData);
        await replica2.WaitUntilStableAsync();

        // Replicas 0 (missed it) and 2 (wiped) would be a quorum saying "absent": replica 2's answer must not count.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var read = await profiles.GetAsync(key, ReadOptions.Quorum);
            Assert.Equal("acknowledged", read?.Name);
        }

        // The wiped shard is filling; the replica's other shards serve and their answers count.
        await Eventually.HoldsAsync(
            () => Task.FromResult(client.Health[2].Shards.Single(s => s.Name.EndsWith(ShardPort(wiped), StringComparison.Ordinal)).State == NodeHealthState.Filling),
            "the wiped shard is filling", Settle);
        await Eventually.HoldsAsync(
            () => Task.FromResult(client.Health[2].State == NodeHealthState.Healthy && client.Health[2].Shards.Where(s => !s.Name.EndsWith(ShardPort(wiped), StringComparison.Ordinal)).All(s => s.State == NodeHealthState.Healthy)),
            "the replica and its other shards are healthy",
            Settle);
        var kept = await profiles.GetAsync(other, ReadOptions.All);
        Assert.Equal("kept", kept?.Name);

        // One pass refills the wiped shard, its slots become ready, and every replica is identical.
        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync();
        Assert.True(report.IsClean, report.ToString());
        await Eventually.HoldsAsync(() => Task.FromResult(client.Health[2].Shards.All(s => s.State == NodeHealthState.Healthy)), "every shard is healthy after the pass", Settle);
        Assert.Empty(await KeyspaceComparison.CompareReplicasAsync(cluster.Replicas));
        Assert.Equal("acknowledged", (await profiles.GetAsync(key, ReadOptions.All))?.Name);
        foreach (var replica in cluster.Replicas)
        {
            Assert.Equal(HashSlot.Count, await CountReadyEpochsAsync(replica));
        }
    }

    [Fact]
    public async Task A_shard_restarted_with_its_old_data_refills_its_slots_and_a_pass_makes_them_ready_again()
    {
        await using var cluster = await LocalCluster.StartAsync(ThreeByThree);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var profiles = client.GetValueStore(Profile.Descriptor);
        var replica1 = cluster.Replicas[1];
        var key = KeyOnShard(replica1, 2, "profile:old");
        await profiles.SetAsync(key, new Profile { Id = 1, Name = "v1" }, WriteOptions.All);
        var shard = replica1.ShardOfKey(key);
        await shard.Primary.SnapshotAsync();
        // Acknowledged after the snapshot: the restarted shard will not have it.
        await profiles.SetAsync(key, new Profile { Id = 1, Name = "v2" }, WriteOptions.All);

        await shard.Primary.RestartAsync(RestartMode.FromSnapshot);
        await replica1.WaitUntilStableAsync();

        await Eventually.HoldsAsync(
            () => Task.FromResult(client.Health[1].Shards.Single(s => s.Name.EndsWith(ShardPort(shard), StringComparison.Ordinal)).State == NodeHealthState.Filling),
            "the restarted shard is filling (another run id)", Settle);
        Assert.Equal("v2", (await profiles.GetAsync(key, ReadOptions.Quorum))?.Name);

        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync();
        Assert.True(report.IsClean, report.ToString());
        Assert.Empty(await KeyspaceComparison.CompareReplicasAsync(cluster.Replicas));
        Assert.Equal(HashSlot.Count, await CountReadyEpochsAsync(replica1));
    }

    [Fact]
    public async Task A_killed_shard_fails_only_its_own_keys_and_the_replicas_other_shards_keep_acknowledging()
    {
        await using var cluster = await LocalCluster.StartAsync(ThreeByThree);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var profiles = client.GetValueStore(Profile.Descriptor);
        var replica0 = cluster.Replicas[0];
        var dead = KeyOnShard(replica0, 1, "profile:dead");
        var alive = KeyOnShard(replica0, 2, "profile:alive");
        replica0.Shards[1].Primary.Kill();

        for (var i = 0; i < 20; i++)
        {
            // Keys of the replica's live shards: every replica acknowledges, replica 0 included.
            var onAlive = await profiles.SetAsync(alive, new Profile { Id = i, Name = "a" + i }, WriteOptions.All);
            Assert.Equal(3, onAlive.Acknowledged);
            // A key of the dead shard: the other two replicas make the quorum; W = All names replica 0 as not acknowledging.
            var onDead = await profiles.SetAsync(dead, new Profile { Id = i, Name = "d" + i }, WriteOptions.Quorum);
            Assert.Equal(2, onDead.Acknowledged);
        }

        var refused = await Assert.ThrowsAsync<QuorumNotReachedException>(() => profiles.SetAsync(dead, new Profile { Id = 99, Name = "all" }, WriteOptions.All).AsTask());
        var outcome = Assert.Single(refused.Outcomes, o => !o.IsAcknowledged);
        Assert.Equal(client.Health[0].Name, outcome.Node);
        Assert.Equal("a19", (await profiles.GetAsync(alive, ReadOptions.All))?.Name);
        Assert.Equal(NodeHealthState.Open, client.Health[0].Shards.Single(s => s.Name.EndsWith(ShardPort(replica0.Shards[1]), StringComparison.Ordinal)).State);
        Assert.NotEqual(NodeHealthState.Open, client.Health[0].State);
    }

    [Fact]
    public async Task Writes_a_paused_shard_missed_reach_it_by_hint_replay_when_it_answers_again()
    {
        await using var cluster = await LocalCluster.StartAsync(ThreeByThree);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(o =>
        {
            o.NodeTimeout = RedisCluster.DefaultNodeTimeout;
            o.AntiEntropy.Enabled = false;
        }));
        var profiles = client.GetValueStore(Profile.Descriptor);
        var replica2 = cluster.Replicas[2];
        var keys = Enumerable.Range(0, 6).Select(i => KeyOnShard(replica2, 1, $"profile:hinted{i}")).Distinct().ToArray();
        var paused = replica2.ShardOfKey(keys[0]).Primary;
        paused.Pause();
        foreach (var key in keys)
        {
            var written = await profiles.SetAsync(key, new Profile { Id = 1, Name = key }, WriteOptions.Quorum);
            Assert.Equal(2, written.Acknowledged);
        }

        paused.Resume();

        await Eventually.HoldsAsync(
            async () => (await Task.WhenAll(keys.Select(k => replica2.Db.KeyExistsAsync(k)))).All(e => e),
            "every write the paused shard missed reached it by hint replay", TimeSpan.FromSeconds(20));
        Assert.Empty(await KeyspaceComparison.CompareReplicasAsync(cluster.Replicas));
    }

    [Fact]
    public async Task A_set_mixing_two_cluster_replicas_and_one_standalone_node_replicates_and_heals_across_both_kinds()
    {
        await using var clusters = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 2, ClusterMode = true, ShardsPerReplica = 2 });
        await using var standalone = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1 });
        var options = clusters.CreateOptions(NoHints);
        options.Nodes = [.. options.Nodes, .. standalone.CreateOptions().Nodes];
        await using var client = await AnarchoRedisClient.ConnectAsync(options);
        var profiles = client.GetValueStore(Profile.Descriptor);
        var chats = client.GetListStore(ChatMessage.Descriptor);

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(3, (await profiles.SetAsync($"profile:{i}", new Profile { Id = i, Name = "n" + i }, WriteOptions.All)).Acknowledged);
        }

        await chats.PushRightAsync("chat:mixed", [ChatMessage.Of("a"), ChatMessage.Of("b")], WriteOptions.All);
        Assert.Equal(["a", "b"], (await chats.RangeAsync("chat:mixed", 0, -1, ReadOptions.All)).Select(m => m.Text));
        Assert.Equal([true, true, false], client.Health.Select(h => h.Shards.Count == 2));

        // The standalone node restarts empty and refills from the clusters; then a cluster shard is wiped and refills
        // from the rest (one loss at a time: two holders of a slot lost at once is beyond N - W and a quorum read
        // refuses, typed, rather than answer from what is left).
        var runner = new AntiEntropyRunner(client, Registry);
        await standalone[0].RestartAsync(RestartMode.LoseData);
        await AssertEveryValueReadAsync();
        Assert.True((await runner.RunPassAsync()).IsClean);
        await clusters.Replicas[1].Shards[0].Primary.RestartAsync(RestartMode.LoseData);
        await clusters.Replicas[1].WaitUntilStableAsync();
        await AssertEveryValueReadAsync();
        var report = await runner.RunPassAsync();
        Assert.True(report.IsClean, report.ToString());

        async Task AssertEveryValueReadAsync()
        {
            await Eventually.ClientReachesAllNodesAsync(client);
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal("n" + i, (await profiles.GetAsync($"profile:{i}", ReadOptions.Quorum))?.Name);
            }
        }

        Assert.Equal("n3", (await profiles.GetAsync("profile:3", ReadOptions.All))?.Name);
        Assert.Empty(await KeyspaceComparison.CompareReplicasAsync(clusters.Replicas));
        var onStandalone = await standalone[0].Db.StringGetAsync("profile:3");
        Assert.Equal(await clusters.Replicas[0].Db.StringGetAsync("profile:3"), onStandalone);
    }

    [Fact]
    public async Task A_shard_failover_under_load_loses_no_acknowledged_write_and_the_promoted_replica_refills_like_a_restart()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 3, ClusterMode = true, ShardsPerReplica = 3, ShardReplicas = 1 });
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var profiles = client.GetValueStore(Profile.Descriptor);
        var replica1 = cluster.Replicas[1];
        var shard = replica1.Shards[0];
        var keys = Enumerable.Range(0, 40).Select(i => KeyOnShard(replica1, 0, $"profile:fo{i}")).Distinct().ToArray();
        using var stop = new System.Threading.CancellationTokenSource();
        var load = Task.Run(() => WriteUnderLoadAsync(profiles, keys, stop.Token));

        await Task.Delay(300);
        // The primary dies mid-load; its replica (which may lack its last writes) is promoted.
        shard.Primary.Kill();
        await shard.FailoverAsync();
        await Task.Delay(500);
        await stop.CancelAsync();
        var acknowledged = await load;

        // The promoted server holds epochs written under the old primary's run id: its slots refill.
        var promoted = ShardPort(shard);
        await Eventually.HoldsAsync(
            () => Task.FromResult(client.Health[1].Shards.Any(s => s.Name.EndsWith(promoted, StringComparison.Ordinal) && s.State == NodeHealthState.Filling)),
            $"the promoted shard {promoted} is filling: " + string.Join("; ", client.Health[1].Shards.Select(s => $"{s.Name}={s.State}")),
            Settle);
        foreach (var (key, name) in acknowledged)
        {
            Assert.Equal(name, (await profiles.GetAsync(key, ReadOptions.Quorum))?.Name);
        }

        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync();
        Assert.True(report.IsClean, report.ToString());
        Assert.Empty(await KeyspaceComparison.CompareReplicasAsync(cluster.Replicas));
        Assert.Equal(HashSlot.Count, await CountReadyEpochsAsync(replica1));
        foreach (var (key, name) in acknowledged)
        {
            Assert.Equal(name, (await profiles.GetAsync(key, ReadOptions.All))?.Name);
        }
    }

    [Fact]
    public async Task Slots_moved_between_shards_under_load_keep_every_acknowledged_write_and_take_their_epochs_with_them()
    {
        await using var cluster = await LocalCluster.StartAsync(ThreeByThree);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var profiles = client.GetValueStore(Profile.Descriptor);
        var replica0 = cluster.Replicas[0];
        var keys = Enumerable.Range(0, 8).Select(i => KeyOnShard(replica0, 0, $"profile:moved{i}")).Distinct().ToArray();
        using var stop = new System.Threading.CancellationTokenSource();
        var load = Task.Run(() => WriteUnderLoadAsync(profiles, keys, stop.Token, readBack: true));

        await Task.Delay(200);
        var slots = keys.Select(k => HashSlot.Of(k)).Distinct().ToArray();
        foreach (var slot in slots)
        {
            await replica0.MoveSlotAsync(slot, replica0.Shards[1]);
        }

        await Task.Delay(300);
        await stop.CancelAsync();
        var acknowledged = await load;

        Assert.All(slots, slot => Assert.Equal(1, replica0.ShardOfSlot(slot).Index));
        foreach (var (key, name) in acknowledged)
        {
            Assert.Equal(name, (await profiles.GetAsync(key, ReadOptions.Quorum))?.Name);
        }

        // The moved slots' epoch keys went with their data: still ready, now on shard 1.
        var onShard1 = replica0.Shards[1].Primary.Server;
        foreach (var slot in slots)
        {
            var epochKey = $"anrcho_epoch:{{{SlotKeys.Tag(slot)}}}";
            Assert.Equal("ready", (string?)await replica0.Db.HashGetAsync(epochKey, "state"));
            Assert.Contains(onShard1.Keys(pattern: epochKey.Replace("{", "\\{").Replace("}", "\\}")), k => k == epochKey);
        }

        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync();
        Assert.True(report.IsClean, report.ToString());
        Assert.Empty(await KeyspaceComparison.CompareReplicasAsync(cluster.Replicas));
        Assert.Equal(HashSlot.Count, await CountReadyEpochsAsync(replica0));
    }

    [Fact]
    public async Task While_a_slot_migrates_with_a_keys_companions_split_between_shards_the_replica_is_retried_then_named_not_indeterminate()
    {
        await using var cluster = await LocalCluster.StartAsync(ThreeByThree);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var profiles = client.GetValueStore(Profile.Descriptor);
        var replica2 = cluster.Replicas[2];
        var key = KeyOnShard(replica2, 0, "profile:migrating");
        await profiles.SetAsync(key, new Profile { Id = 1, Name = "before" }, WriteOptions.All);
        var slot = HashSlot.Of(key);
        var source = replica2.ShardOfKey(key).Primary.Server;
        var written = new RedisKey[] { key, "anrcho_meta:" + key };

        // Keys of the slot move one at a time until the value and its meta are on two shards: a script over both gets
        // TRYAGAIN from the source for as long as the migration stays so.
        var migration = await replica2.BeginSlotMigrationAsync(slot, replica2.Shards[1]);
        var split = false;
        while (!split && await migration.MigrateKeysAsync(1) == 1)
        {
            var here = await Task.WhenAll(written.Select(k => source.ExecuteAsync("EXISTS", k)));
            split = here.Select(r => (long)r).Distinct().Count() == 2;
        }

        Assert.True(split, "the value and its meta ended on two shards");
        var refused = await Assert.ThrowsAsync<QuorumNotReachedException>(() => profiles.SetAsync(key, new Profile { Id = 2, Name = "all" }, WriteOptions.All).AsTask());
        var outcome = Assert.Single(refused.Outcomes, o => !o.IsAcknowledged);
        Assert.Equal(client.Health[2].Name, outcome.Node);
        Assert.Equal(NodeOutcomeKind.Failed, outcome.Kind);
        var error = Assert.IsType<NodeSlotUnavailableException>(outcome.Error);
        Assert.Equal((slot, "TRYAGAIN", 4), (error.Slot, error.Refusal, error.Attempts));
        Assert.StartsWith("TRYAGAIN", error.InnerException!.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await profiles.SetAsync(key, new Profile { Id = 3, Name = "quorum" }, WriteOptions.Quorum)).Acknowledged);

        await migration.CompleteAsync();
        Assert.Equal(3, (await profiles.SetAsync(key, new Profile { Id = 4, Name = "after" }, WriteOptions.All)).Acknowledged);
        Assert.Equal("after", (await profiles.GetAsync(key, ReadOptions.All))?.Name);
    }

    private static string ShardPort(LocalShard shard) => ":" + shard.Primary.Proxy!.Port;

    private static async Task<int> CountReadyEpochsAsync(LocalReplica replica)
    {
        var ready = 0;
        foreach (var shard in replica.Shards)
        {
            var server = shard.Primary.Server;
            await foreach (var key in server.KeysAsync(pattern: "anrcho_epoch:{*", pageSize: 1000))
            {
                if ((string?)await replica.Db.HashGetAsync(key, "state") == "ready")
                {
                    ready++;
                }
            }
        }

        return ready;
    }
}
