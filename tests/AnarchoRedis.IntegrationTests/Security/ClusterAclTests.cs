using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;
using Xunit;

namespace AnarchoRedis.IntegrationTests.Security;

/// <summary>
/// The least-privilege user of docs/security.md on replicas that are Redis Clusters (3 x 3 shards): every shard knows
/// the user (ACLs are per server, a cluster does not share them), the library works as that user, and the connect-time
/// check runs on every shard.
/// </summary>
public sealed class ClusterAclTests
{
    private static readonly ReplicatedTypeRegistry Registry = new(Profile.Descriptor);

    /// <summary>Gives every shard of every replica the user <paramref name="rule"/> defines (per shard: <paramref name="ruleOf"/>).</summary>
    private static async Task<LocalCluster> StartAsync(Func<int, int, string>? ruleOf = null)
    {
        var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 3, ClusterMode = true, ShardsPerReplica = 3 });
        foreach (var replica in cluster.Replicas)
        {
            foreach (var shard in replica.Shards)
            {
                var rule = ruleOf?.Invoke(replica.Index, shard.Index) ?? SecureCluster.Rule();
                await shard.Primary.Server.ExecuteAsync("ACL", ["SETUSER", .. rule.Split(' ')]);
            }
        }

        return cluster;
    }

    private static AnarchoRedisOptions Options(LocalCluster cluster) => cluster.CreateOptions(o =>
    {
        o.NodeTimeout = RedisCluster.DefaultNodeTimeout;
        o.Hints.Enabled = false;
        o.AntiEntropy.Enabled = false;
        o.Connection.User = SecureCluster.User;
        o.Connection.Password = SecureCluster.Password;
    });

    [Fact]
    public async Task The_documented_user_reads_writes_passes_and_describes_cluster_replicas_on_every_shard()
    {
        await using var cluster = await StartAsync();
        await using var client = await AnarchoRedisClient.ConnectAsync(Options(cluster));
        var profiles = client.GetValueStore(Profile.Descriptor);

        for (var i = 0; i < 30; i++)
        {
            var written = await profiles.SetAsync($"profile:{i}", new Profile { Id = i, Name = "n" + i }, WriteOptions.All);
            Assert.Equal(3, written.Acknowledged);
        }

        Assert.Equal("n7", (await profiles.GetAsync("profile:7", ReadOptions.All))?.Name);
        Assert.All(client.Health, h => Assert.All(h.Shards, s => Assert.Equal(NodeHealthState.Healthy, s.State)));
        var runner = new AntiEntropyRunner(client, Registry);
        Assert.True((await runner.RunPassAsync(AntiEntropyPassMode.Scan)).IsClean);
        Assert.True((await runner.RunPassAsync(AntiEntropyPassMode.Digests)).IsClean);
        var statuses = await client.DescribeNodesAsync();
        Assert.All(statuses, s =>
        {
            Assert.True(s.IsReady, s.ToString());
            Assert.Equal(3, s.Shards.Count);
        });

        var refused = new List<string>();
        foreach (var node in cluster.Nodes)
        {
            refused.AddRange(await SecureCluster.UnexpectedRefusalsAsync(node));
        }

        Assert.Empty(refused);
    }

    [Fact]
    public async Task A_user_lacking_a_command_on_one_shard_gets_its_whole_replica_refused_by_the_check()
    {
        // Replica 1's shard 0 (not the shard of the epoch key anrcho_epoch) lacks HSET.
        await using var cluster = await StartAsync((replica, shard) =>
            replica == 1 && shard == 0 ? SecureCluster.Rule(parts => parts.Where(p => p != "+hset")) : SecureCluster.Rule());
        await using var client = await AnarchoRedisClient.ConnectAsync(Options(cluster));
        var profiles = client.GetValueStore(Profile.Descriptor);
        // A key of another shard, whose user may run every command: the replica is refused all the same (its shards
        // hold one replica's data; a replica that may write some slots only would be half-written).
        var key = Enumerable.Range(0, 1000).Select(i => $"profile:{i}").First(k => cluster.Replicas[1].ShardOfKey(k).Index == 1);

        var written = await profiles.SetAsync(key, new Profile { Id = 1, Name = "x" }, WriteOptions.Quorum);
        Assert.Equal(2, written.Acknowledged);
        var refused = await Assert.ThrowsAsync<QuorumNotReachedException>(() => profiles.SetAsync(key, new Profile { Id = 1, Name = "y" }, WriteOptions.All).AsTask());

        var outcome = Assert.Single(refused.Outcomes, o => !o.IsAcknowledged);
        Assert.Equal(client.Health[1].Name, outcome.Node);
        Assert.Equal(NodeOutcomeKind.Failed, outcome.Kind);
        var permission = Assert.IsType<NodePermissionException>(outcome.Error);
        Assert.Equal("hset", permission.Command);
        Assert.Contains(cluster.Replicas[1].Shards[0].Primary.EndPoint, permission.Message, StringComparison.Ordinal);
    }
}
