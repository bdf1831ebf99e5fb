using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;
using StackExchange.Redis;
using Xunit;
using static AnarchoRedis.IntegrationTests.Cluster.ClusterSetup;

namespace AnarchoRedis.IntegrationTests.Cluster;

/// <summary>
/// A slot migrating between two shards of a replica that is a Redis Cluster, with a script's keys split between them:
/// the source answers TRYAGAIN, and the client sends the script again a few times before it names the replica
/// (ClusterReplicaTests has the case where the migration outlasts the retries).
/// </summary>
public sealed class SlotMigrationRetryTests
{
    [Fact]
    public async Task A_W_All_write_refused_with_TRYAGAIN_succeeds_when_the_migration_completes_before_the_retries_run_out()
    {
        await using var cluster = await LocalCluster.StartAsync(ThreeByThree);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var profiles = client.GetValueStore(Profile.Descriptor);
        var replica2 = cluster.Replicas[2];
        var key = KeyOnShard(replica2, 0, "profile:migrating");
        await profiles.SetAsync(key, new Profile { Id = 1, Name = "before" }, WriteOptions.All);
        var slot = HashSlot.Of(key);
        var migration = await SplitAsync(replica2, key);

        // The migration completes at the first refusal, before the client sends the script again: deterministic, where
        // completing it "some milliseconds after the write started" would race the pauses on a loaded machine.
        var retries = 0;
        string? refusal = null;
        Exception? completing = null;
        var node = client.ReplicaNodes[2];
        void OnRetry(ReplicaNode _, SlotRetry retry)
        {
            if (retry.Slot == slot && Interlocked.Increment(ref retries) == 1)
            {
                refusal = retry.Refusal;
                try
                {
                    migration.CompleteAsync().GetAwaiter().GetResult();
                }
                catch (Exception ex)
                {
                    // Kept for the assertion below: thrown here, it would only fail the node's write.
                    completing = ex;
                }
            }
        }

        node.SlotRetrying += OnRetry;
        try
        {
            var written = await profiles.SetAsync(key, new Profile { Id = 2, Name = "during" }, WriteOptions.All);

            Assert.Null(completing);
            Assert.Equal(3, written.Acknowledged);
        }
        finally
        {
            node.SlotRetrying -= OnRetry;
        }

        Assert.Equal((1, "TRYAGAIN"), (Volatile.Read(ref retries), refusal));
        Assert.True(migration.IsCompleted);
        Assert.Equal(1, replica2.ShardOfKey(key).Index);
        Assert.Equal("during", (await profiles.GetAsync(key, ReadOptions.All))?.Name);
        Assert.Equal(NodeHealthState.Healthy, client.Health[2].State);
    }

    /// <summary>
    /// Begins moving <paramref name="key"/>'s slot from its shard to the next one, and moves the slot's keys one at a time
    /// until the value and its meta key are on two shards: a script over both then gets TRYAGAIN from the source.
    /// </summary>
    private static async Task<LocalSlotMigration> SplitAsync(LocalReplica replica, string key)
    {
        var shard = replica.ShardOfKey(key);
        var source = shard.Primary.Server;
        var written = new RedisKey[] { key, "anrcho_meta:" + key };
        var migration = await replica.BeginSlotMigrationAsync(HashSlot.Of(key), replica.Shards[(shard.Index + 1) % replica.Shards.Count]);
        while (await migration.MigrateKeysAsync(1) == 1)
        {
            var here = await Task.WhenAll(written.Select(k => source.ExecuteAsync("EXISTS", k)));
            if (here.Select(r => (long)r).Distinct().Count() == 2)
            {
                return migration;
            }
        }

        throw new InvalidOperationException("The value and its meta key never ended on two shards.");
    }
}
