using System;
using System.Linq;
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

    [Fact]
    public async Task A_list_whose_data_expired_everywhere_while_one_replica_was_wiped_converges_after_a_pass()
    {
        await using var cluster = await LocalCluster.StartAsync(ThreeByThree);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var chats = client.GetListStore(ChatMessage.Descriptor);
        var replica1 = cluster.Replicas[1];
        var key = KeyOnShard(replica1, 0, "chat:ttl");
        await chats.PushRightAsync(key, [ChatMessage.Of("a"), ChatMessage.Of("b"), ChatMessage.Of("c")], new WriteOptions { Consistency = Consistency.All, TimeToLive = TimeSpan.FromSeconds(1) });

        // Replica 1 loses the shard that holds the list; then the list's time to live passes on replicas 0 and 2.
        var shard = replica1.ShardOfKey(key);
        await shard.Primary.RestartAsync(RestartMode.LoseData);
        await replica1.WaitUntilStableAsync();
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var first = await new AntiEntropyRunner(client, Registry).RunPassAsync();
        output.WriteLine(first.ToString());
        var second = await new AntiEntropyRunner(client, Registry).RunPassAsync();
        output.WriteLine(second.ToString());
        var differences = await KeyspaceComparison.CompareReplicasAsync(cluster.Replicas);
        foreach (var difference in differences)
        {
            output.WriteLine(difference.ToString());
        }

        Assert.True(first.IsClean, first.ToString());
        Assert.Empty(await chats.RangeAsync(key, 0, -1, ReadOptions.All));
        Assert.Empty(differences);
    }
}
