using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.Jepsen.Nemesis;
using AnarchoRedis.Jepsen.Orchestration;
using Xunit;
using Xunit.Abstractions;

namespace AnarchoRedis.Jepsen.Tests;

/// <summary>
/// The cluster mode's bound: at most N − W = 1 replica may lose a given hash slot's data between repairs, so the
/// nemesis repairs before a loss that would make a second replica lose a slot, and only then.
/// </summary>
public sealed class SlotLossLedgerTests
{
    private static readonly int[] Shard0 = Enumerable.Range(0, 5461).ToArray();
    private static readonly int[] Shard1 = Enumerable.Range(5461, 5461).ToArray();

    [Fact]
    public void Losses_on_two_replicas_in_disjoint_slots_need_no_repair_between_them()
    {
        var ledger = new SlotLossLedger();
        ledger.Record(0, Shard0);

        Assert.False(ledger.WouldExceed(1, Shard1, maxReplicasPerSlot: 1, out _));
        // The same replica losing the same slots again is still one replica per slot.
        Assert.False(ledger.WouldExceed(0, Shard0, maxReplicasPerSlot: 1, out _));
    }

    [Fact]
    public void A_second_replica_losing_a_slot_already_lost_needs_a_repair_first_and_a_clean_repair_clears_the_ledger()
    {
        var ledger = new SlotLossLedger();
        ledger.Record(0, Shard0);
        // A slot that moved to another shard of replica 2 is still the same slot.
        Assert.True(ledger.WouldExceed(2, [.. Shard1, 42], maxReplicasPerSlot: 1, out var slot));
        Assert.Equal(42, slot);
        // W = One tolerates two replicas losing it (N − W = 2), not three.
        Assert.False(ledger.WouldExceed(2, Shard0, maxReplicasPerSlot: 2, out _));
        ledger.Record(2, Shard0);
        Assert.True(ledger.WouldExceed(1, Shard0, maxReplicasPerSlot: 2, out _));

        ledger.Clear();
        Assert.True(ledger.IsEmpty);
        Assert.False(ledger.WouldExceed(1, Shard0, maxReplicasPerSlot: 1, out _));
    }

    [Fact]
    public void Cluster_mode_takes_shard_faults_only_and_a_failover_needs_shard_replicas()
    {
        Assert.Equal(
            [FaultKind.ShardWipe, FaultKind.ShardPause, FaultKind.ShardSnapshot, FaultKind.ShardMigrate],
            FaultKind.ParseShard("all", shardReplicas: 0));
        Assert.Contains(FaultKind.ShardFailover, FaultKind.ParseShard("all", shardReplicas: 1));
        Assert.Throws<ArgumentException>(() => FaultKind.ParseShard("shard-failover", shardReplicas: 0));
        Assert.Throws<ArgumentException>(() => FaultKind.ParseShard("kill-empty", shardReplicas: 1));
        Assert.Throws<ArgumentException>(() => FaultKind.Parse("shard-wipe"));
        // A pause may become a failover with shard replicas (cluster-node-timeout), so it counts as a loss only then.
        Assert.False(FaultKind.ShardLosesData(FaultKind.ShardPause, 0));
        Assert.True(FaultKind.ShardLosesData(FaultKind.ShardPause, 1));
        Assert.False(FaultKind.ShardLosesData(FaultKind.ShardMigrate, 1));
    }
}

/// <summary>
/// The orchestrator in cluster mode: 3 replicas, each a Redis Cluster of 3 shards with a replica per shard (18
/// redis-servers), the same workers and checker, every shard nemesis (wipe, pause, old snapshot, slot migration under
/// load, failover), then heal, one pass, and the final judges: the checker, 16,384 ready slot epochs per replica and
/// the kit's whole-keyspace comparison of the replicas.
/// </summary>
[Trait("Category", "Nemesis")]
[Collection(NemesisCollection.Name)]
public sealed class ClusterNemesisTests
{
    private readonly ITestOutputHelper _output;

    public ClusterNemesisTests(ITestOutputHelper output) => _output = output;

    /// <summary>
    /// Seed 7's schedule starts with two forced failovers (the promoted replica may lack acknowledged writes), an old
    /// snapshot, a wipe and a slot migration: every shard fault in 30 s (a pause with shard replicas is a failover too).
    /// </summary>
    [Theory]
    [InlineData(7)]
    public async Task Shard_faults_on_replicas_that_are_redis_clusters_lose_no_acknowledged_write_and_leave_identical_replicas_with_every_slot_ready(int seed)
    {
        var report = await CiRun.RunAsync(
            new RunSettings
            {
                Seed = seed,
                Duration = TimeSpan.FromSeconds(30),
                ClusterShards = 3,
                ShardReplicas = 1,
                Faults = FaultKind.ShardAll(shardReplicas: 1),
            },
            "cluster",
            _output,
            TimeSpan.FromMinutes(4));

        NemesisTests.AssertValid(report);
        Assert.Equal(0, report.Check.SlotEpochsNotReady.Count);
        Assert.Equal(0, report.Check.KeyspaceDifferences.Count);
        Assert.All(report.Faults, f => Assert.StartsWith("shard-", f.Kind, StringComparison.Ordinal));
    }
}
