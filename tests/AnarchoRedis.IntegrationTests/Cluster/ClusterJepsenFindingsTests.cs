using System;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Lists;
using AnarchoRedis.Testing;
using Xunit;
using Xunit.Abstractions;
using static AnarchoRedis.IntegrationTests.Cluster.ClusterSetup;

namespace AnarchoRedis.IntegrationTests.Cluster;

/// <summary>What the Jepsen-style checker's cluster mode found (issue 17 item 6), each reduced to the fewest steps.</summary>
public sealed class ClusterJepsenFindingsTests(ITestOutputHelper output)
{
    private static readonly ReplicatedTypeRegistry Registry = new(Profile.Descriptor, ChatMessage.Descriptor);

    /// <summary>
    /// Found by <c>run --seed 1 --duration 25 --cluster-shards 3</c> (the first run; timing-dependent): a list with a time
    /// to live expires on two replicas while the third has lost it (a wiped shard). The pass compares the list: the two
    /// answer (0 elements) with their meta still saying 3 (the data expired under it), the wiped one answers absent. The
    /// pass writes the merged, empty list to the wiped replica only (meta c = 0, h = 0) and reports itself clean, but the
    /// two others keep their stale count and digest, and so their slot index entry and digest: the replicas' keyspaces
    /// differed after a clean pass, and it took a second pass to converge. Standalone nodes: the same (the parameter).
    /// Fixed: a node whose data did not match its stored meta never holds the merge (ListMergedReplicas.IsHeldBy), so the
    /// pass rewrites the two as well.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_list_whose_data_expired_while_one_replica_had_lost_it_is_identical_everywhere_after_one_clean_pass(bool clusterMode)
    {
        await using var cluster = await LocalCluster.StartAsync(clusterMode ? ThreeByThree : new LocalClusterOptions { NodeCount = 3 });
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var chats = client.GetListStore(ChatMessage.Descriptor);
        var key = clusterMode ? KeyOnShard(cluster.Replicas[1], 0, "chat:ttl") : "chat:ttl";
        await chats.PushRightAsync(key, [ChatMessage.Of("a"), ChatMessage.Of("b"), ChatMessage.Of("c")], new WriteOptions { Consistency = Consistency.All, TimeToLive = TimeSpan.FromSeconds(1) });

        // Replica 1 loses the list (its shard, or the node, restarted empty); then the time to live passes on 0 and 2.
        var lost = clusterMode ? cluster.Replicas[1].ShardOfKey(key).Primary : cluster[1];
        await lost.RestartAsync(RestartMode.LoseData);
        await cluster.Replicas[1].WaitUntilStableAsync();
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var pass = await new AntiEntropyRunner(client, Registry).RunPassAsync();
        output.WriteLine(pass.ToString());
        Assert.True(pass.IsClean, pass.ToString());
        Assert.Empty(await chats.RangeAsync(key, 0, -1, ReadOptions.All));

        var differences = await KeyspaceComparison.CompareReplicasAsync(cluster.Replicas);
        foreach (var difference in differences)
        {
            output.WriteLine(difference.ToString());
        }

        Assert.Empty(differences);
    }

    /// <summary>
    /// The same attack on a value: it expires on two replicas while the third lost it. One clean pass must leave every
    /// replica's keyspace (meta and slot bookkeeping included) identical.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_value_whose_data_expired_while_one_replica_had_lost_it_is_identical_everywhere_after_one_clean_pass(bool clusterMode)
    {
        await using var cluster = await LocalCluster.StartAsync(clusterMode ? ThreeByThree : new LocalClusterOptions { NodeCount = 3 });
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var profiles = client.GetValueStore(Profile.Descriptor);
        var key = clusterMode ? KeyOnShard(cluster.Replicas[1], 0, "profile:ttl") : "profile:ttl";
        await profiles.SetAsync(key, new Profile { Id = 1, Name = "short-lived" }, new WriteOptions { Consistency = Consistency.All, TimeToLive = TimeSpan.FromSeconds(1) });

        var lost = clusterMode ? cluster.Replicas[1].ShardOfKey(key).Primary : cluster[1];
        await lost.RestartAsync(RestartMode.LoseData);
        await cluster.Replicas[1].WaitUntilStableAsync();
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var pass = await new AntiEntropyRunner(client, Registry).RunPassAsync();
        output.WriteLine(pass.ToString());
        Assert.True(pass.IsClean, pass.ToString());
        Assert.Null(await profiles.GetAsync(key, ReadOptions.All));

        var differences = await KeyspaceComparison.CompareReplicasAsync(cluster.Replicas);
        foreach (var difference in differences)
        {
            output.WriteLine(difference.ToString());
        }

        Assert.Empty(differences);
    }
}
