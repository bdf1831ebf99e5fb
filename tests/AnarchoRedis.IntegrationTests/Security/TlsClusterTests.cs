using System;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Lists;
using AnarchoRedis.Testing;
using Xunit;

namespace AnarchoRedis.IntegrationTests.Security;

/// <summary>
/// The whole library over TLS: TLS-only redis-server nodes that require a client certificate, reached through the kit's
/// byte-relaying proxies, as the least-privilege ACL user of docs/security.md.
/// </summary>
public sealed class TlsClusterTests
{
    private static readonly ReplicatedTypeRegistry Registry = new(Profile.Descriptor, ChatMessage.Descriptor);

    /// <summary>A hang guard only: every failure here is immediate; this is far above any real wait.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Writes_reads_lists_read_repair_hints_and_a_pass_work_over_TLS_as_the_documented_least_privilege_user()
    {
        using var certificates = LocalCertificates.Create();
        await using var cluster = await SecureCluster.StartAsync(certificates);
        await using var client = await AnarchoRedisClient.ConnectAsync(SecureCluster.ClientOptions(cluster, o =>
        {
            o.Hints.Durable = true;
            o.AntiEntropy.MaxKeysPerSecond = 0;
        }));
        var profiles = client.GetValueStore(Profile.Descriptor);
        var chats = client.GetListStore(ChatMessage.Descriptor);

        // Values and lists, written and read back.
        await profiles.SetAsync("profile:1", new Profile { Id = 1, Name = "Ada" }, WriteOptions.All);
        Assert.Equal("Ada", (await profiles.GetAsync("profile:1", ReadOptions.All))?.Name);
        await chats.PushRightAsync("chat:1", [ChatMessage.Of("a"), ChatMessage.Of("b"), ChatMessage.Of("c")], WriteOptions.All);
        await chats.RemoveAsync("chat:1", ChatMessage.Of("b"), WriteOptions.All);
        Assert.Equal(["a", "c"], (await chats.RangeAsync("chat:1", options: ReadOptions.All)).Select(m => m.Text));

        // Read repair: a write node 2 never saw (made by a client that knows only nodes 0 and 1) is copied to it by a read.
        await using (var partial = await AnarchoRedisClient.ConnectAsync(Partial(cluster)))
        {
            await partial.GetValueStore(Profile.Descriptor).SetAsync("profile:2", new Profile { Id = 2, Name = "Grace" }, WriteOptions.All);
        }

        Assert.False(await cluster[2].Db.KeyExistsAsync("profile:2"));
        Assert.Equal("Grace", (await profiles.GetAsync("profile:2", ReadOptions.All))?.Name);
        Assert.Equal(
            await cluster[0].Db.HashGetAsync(RedisCluster.MetaKeyOf("profile:2"), "v"),
            await cluster[2].Db.HashGetAsync(RedisCluster.MetaKeyOf("profile:2"), "v"));

        // Durable hints: node 2 is cut off at its proxy (the TLS connection stalls), misses a write, and gets it replayed
        // from the hint streams on the others once it is back.
        cluster[2].Partition();
        await profiles.SetAsync("profile:3", new Profile { Id = 3, Name = "Hedy" });
        cluster[2].Heal();
        await Eventually.HoldsAsync(async () => await cluster[2].Db.KeyExistsAsync("profile:3"), "the hint for node 2 was replayed over TLS");

        // Anti-entropy: keys node 2 never saw, repaired by one pass.
        await using (var partial = await AnarchoRedisClient.ConnectAsync(Partial(cluster)))
        {
            var partialProfiles = partial.GetValueStore(Profile.Descriptor);
            var partialChats = partial.GetListStore(ChatMessage.Descriptor);
            for (var i = 10; i < 30; i++)
            {
                await partialProfiles.SetAsync($"profile:{i}", new Profile { Id = i, Name = "p" + i }, WriteOptions.All);
            }

            for (var i = 10; i < 15; i++)
            {
                await partialChats.PushRightAsync($"chat:{i}", [ChatMessage.Of("x" + i), ChatMessage.Of("y" + i)], WriteOptions.All);
            }
        }

        // (A scratch key the user may write: profile:*.)
        await Eventually.ClientReachesAllNodesAsync(client, "profile:probe");
        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync();
        Assert.True(report.IsClean, report.ToString());
        Assert.Equal(20, report.ValuesRepaired);
        Assert.Equal(5, report.ListsRepaired);
        var differences = await KeyspaceComparison.CompareAsync(cluster.Nodes);
        Assert.True(differences.Count == 0, string.Join("\n", differences));

        // Nothing the library sent was refused (beyond StackExchange.Redis's optional connect-time probes).
        foreach (var node in cluster.Nodes)
        {
            var refused = await SecureCluster.UnexpectedRefusalsAsync(node);
            Assert.True(refused.Count == 0, $"node {node.Index} refused: " + string.Join("; ", refused));
        }
    }

    [Fact]
    public async Task The_proxies_relay_TLS_unchanged_and_the_nodes_accept_no_plain_connection()
    {
        using var certificates = LocalCertificates.Create();
        await using var cluster = await SecureCluster.StartAsync(certificates);

        // Through the proxy, TLS works end to end (the client checks the server certificate against the CA).
        await using var client = await AnarchoRedisClient.ConnectAsync(SecureCluster.ClientOptions(cluster));
        await client.GetValueStore(Profile.Descriptor).SetAsync("profile:1", new Profile { Id = 1, Name = "Ada" }, WriteOptions.All);
        Assert.All(cluster.Nodes, n => Assert.NotNull(n.Proxy));

        // Without TLS, nothing answers: the node listens on its TLS port only.
        await using var plain = await AnarchoRedisClient.ConnectAsync(SecureCluster.ClientOptions(cluster, o =>
        {
            o.Connection.Tls = false;
            o.Connection.TrustedCaCertificatePath = null;
            o.Connection.ClientCertificatePath = null;
            o.Connection.ClientKeyPath = null;
        }));
        var error = await Assert.ThrowsAsync<QuorumNotReachedException>(() => plain.GetValueStore(Profile.Descriptor).GetAsync("profile:1").AsTask().WaitAsync(HangGuard));
        Assert.Equal(0, error.Acknowledged);
    }

    [Theory]
    [InlineData("no client certificate", "certificate required")]
    [InlineData("a client certificate of another CA", "unknown ca")]
    [InlineData("a server certificate it does not trust", "remote certificate was rejected")]
    public async Task A_client_with_the_wrong_certificates_reaches_no_node_and_fails_at_once_with_nothing_written(string wrong, string cause)
    {
        using var certificates = LocalCertificates.Create();
        using var stranger = LocalCertificates.Create();
        await using var cluster = await SecureCluster.StartAsync(certificates);
        var options = SecureCluster.ClientOptions(cluster, o =>
        {
            switch (wrong)
            {
                case "no client certificate":
                    o.Connection.ClientCertificatePath = null;
                    o.Connection.ClientKeyPath = null;
                    break;
                case "a client certificate of another CA":
                    o.Connection.ClientCertificatePath = stranger.ClientCertificatePath;
                    o.Connection.ClientKeyPath = stranger.ClientKeyPath;
                    break;
                default:
                    o.Connection.TrustedCaCertificatePath = stranger.CaCertificatePath;
                    break;
            }
        });

        await using var client = await AnarchoRedisClient.ConnectAsync(options).WaitAsync(HangGuard);
        var error = await Assert.ThrowsAsync<QuorumNotReachedException>(() =>
            client.GetValueStore(Profile.Descriptor).SetAsync("profile:1", new Profile { Id = 1, Name = "Ada" }).AsTask().WaitAsync(HangGuard));

        Assert.False(error.IsIndeterminate, error.Message);
        // The TLS failure is in the message (each node's last connection failure), so the cause is plain to see.
        Assert.Contains(cause, error.Message, StringComparison.Ordinal);
        Assert.All(error.Outcomes, o => Assert.True(o.Kind is NodeOutcomeKind.Failed or NodeOutcomeKind.Skipped, o.ToString()));
        foreach (var node in cluster.Nodes)
        {
            Assert.False(await node.Db.KeyExistsAsync("profile:1"));
        }
    }

    private static AnarchoRedisOptions Partial(LocalCluster cluster) => SecureCluster.ClientOptions(cluster, o =>
    {
        o.Nodes.RemoveAt(2);
        o.Hints.Enabled = false;
    });
}
