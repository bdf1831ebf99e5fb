using System;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;
using Xunit;

namespace AnarchoRedis.IntegrationTests.Security;

/// <summary>
/// What a client whose ACL user lacks a permission sees: each node's part fails with a <see cref="NodePermissionException"/>
/// naming the command, and no node is left with a value without its meta.
/// </summary>
public sealed class AclPermissionTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    [Fact]
    public void The_documented_rule_grants_every_command_the_library_sends_and_no_admin_command()
    {
        var granted = SecureCluster.DocumentedRule.Split(' ').Where(p => p.StartsWith('+')).Select(p => p[1..].ToUpperInvariant()).ToHashSet();
        var sent = LuaScript.CalledCommands.Concat(["INFO", "PING", "ECHO", "EVALSHA", "SCRIPT|LOAD", "SCAN", "XADD", "XRANGE"]);

        var missing = sent.Where(c => !granted.Contains(c)).ToArray();
        Assert.True(missing.Length == 0, "docs/security.md does not grant: " + string.Join(", ", missing));
        Assert.DoesNotContain("EVAL", granted);
        Assert.DoesNotContain(granted, c => c.StartsWith('@') || c.StartsWith("CONFIG", StringComparison.Ordinal) || c.StartsWith("ACL", StringComparison.Ordinal) || c.Contains("FLUSH", StringComparison.Ordinal));
        Assert.Contains(" -@all ", SecureCluster.DocumentedRule, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("+hset", "hset")]
    [InlineData("+set", "set")]
    [InlineData("+evalsha", "evalsha")]
    [InlineData("+scan", "scan")]
    public async Task A_user_lacking_a_command_gets_every_write_refused_naming_the_command_and_nothing_is_sent(string withheld, string command)
    {
        using var certificates = LocalCertificates.Create();
        await using var cluster = await SecureCluster.StartAsync(certificates, SecureCluster.Rule(parts => parts.Where(p => p != withheld)));
        await using var client = await AnarchoRedisClient.ConnectAsync(SecureCluster.ClientOptions(cluster)).WaitAsync(HangGuard);
        foreach (var node in cluster.Nodes)
        {
            await node.Server.ConfigResetStatisticsAsync();
        }

        var error = await Assert.ThrowsAsync<QuorumNotReachedException>(() =>
            client.GetValueStore(Profile.Descriptor).SetAsync("profile:1", new Profile { Id = 1, Name = "Ada" }).AsTask().WaitAsync(HangGuard));

        Assert.False(error.IsIndeterminate);
        Assert.IsType<NodePermissionException>(error.InnerException);
        Assert.All(error.Outcomes, o =>
        {
            Assert.Equal(NodeOutcomeKind.Failed, o.Kind);
            var permission = Assert.IsType<NodePermissionException>(o.Error);
            Assert.Equal(command, permission.Command);
            Assert.Equal(o.Node, permission.Node);
            Assert.Contains($"may not run '{command}'", permission.Message, StringComparison.Ordinal);
            Assert.Contains("docs/security.md", permission.Message, StringComparison.Ordinal);
        });
        await AssertNothingWrittenAsync(cluster, "profile:1");

        // Nothing was sent: the check found the refusal when the client connected, so no node ever ran (or was even
        // given) the write script. (The check itself is sent again every probe interval.)
        foreach (var node in cluster.Nodes)
        {
            var loaded = await node.Server.ScriptExistsAsync(LuaScript.ValueWrite.Sha1) || await node.Server.ScriptExistsAsync(LuaScript.ValueWrite.Batch!.Sha1);
            Assert.False(loaded, $"node {node.Index} was sent the write script");
        }
    }

    [Fact]
    public async Task A_node_whose_user_is_fixed_is_used_again_without_a_new_client()
    {
        using var certificates = LocalCertificates.Create();
        await using var cluster = await SecureCluster.StartAsync(certificates, SecureCluster.Rule(parts => parts.Where(p => p != "+hset")));
        await using var client = await AnarchoRedisClient.ConnectAsync(SecureCluster.ClientOptions(cluster)).WaitAsync(HangGuard);
        var profiles = client.GetValueStore(Profile.Descriptor);
        await Assert.ThrowsAsync<QuorumNotReachedException>(() => profiles.SetAsync("profile:1", new Profile { Id = 1, Name = "Ada" }).AsTask().WaitAsync(HangGuard));

        foreach (var node in cluster.Nodes)
        {
            await node.Db.ExecuteAsync("ACL", "SETUSER", SecureCluster.User, "+hset");
        }

        // A refused node is checked again every probe interval; the write goes through once the check has passed.
        await Eventually.HoldsAsync(
            async () =>
            {
                try
                {
                    return (await profiles.SetAsync("profile:1", new Profile { Id = 1, Name = "Ada" }, WriteOptions.All)).Acknowledged == 3;
                }
                catch (QuorumNotReachedException)
                {
                    return false;
                }
            },
            "the nodes are used again once their user may run HSET");
        foreach (var node in cluster.Nodes)
        {
            Assert.True(await node.Db.KeyExistsAsync("profile:1") && await node.Db.KeyExistsAsync(RedisCluster.MetaKeyOf("profile:1")));
        }
    }

    [Fact]
    public async Task A_user_lacking_ECHO_never_completes_a_connection_and_the_quorum_error_says_why()
    {
        using var certificates = LocalCertificates.Create();
        await using var cluster = await SecureCluster.StartAsync(certificates, SecureCluster.Rule(parts => parts.Where(p => p != "+echo")));
        await using var client = await AnarchoRedisClient.ConnectAsync(SecureCluster.ClientOptions(cluster)).WaitAsync(HangGuard);

        var error = await Assert.ThrowsAsync<QuorumNotReachedException>(() =>
            client.GetValueStore(Profile.Descriptor).SetAsync("profile:1", new Profile { Id = 1, Name = "Ada" }).AsTask().WaitAsync(HangGuard));

        // StackExchange.Redis checks a new connection with ECHO: refused, the connection never completes.
        Assert.False(error.IsIndeterminate);
        Assert.Contains("'echo'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_write_refused_EVALSHA_on_every_node_fails_with_each_node_naming_the_command_and_writes_nothing()
    {
        using var certificates = LocalCertificates.Create();
        await using var cluster = await SecureCluster.StartAsync(certificates);
        await using var client = await AnarchoRedisClient.ConnectAsync(SecureCluster.ClientOptions(cluster));
        foreach (var node in cluster.Nodes)
        {
            await node.Db.ExecuteAsync("ACL", "SETUSER", SecureCluster.User, "-evalsha");
        }

        var error = await Assert.ThrowsAsync<QuorumNotReachedException>(() =>
            client.GetValueStore(Profile.Descriptor).SetAsync("profile:1", new Profile { Id = 1, Name = "Ada" }).AsTask().WaitAsync(HangGuard));

        Assert.False(error.IsIndeterminate);
        var denied = Assert.IsType<NodePermissionException>(error.InnerException);
        Assert.Equal("evalsha", denied.Command);
        Assert.All(error.Outcomes, o =>
        {
            Assert.Equal(NodeOutcomeKind.Failed, o.Kind);
            var permission = Assert.IsType<NodePermissionException>(o.Error);
            Assert.Equal(o.Node, permission.Node);
            Assert.Equal("evalsha", permission.Command);
        });
        Assert.Contains("may not run 'evalsha'", error.Message, StringComparison.Ordinal);
        await AssertNothingWrittenAsync(cluster, "profile:1");
    }

    [Fact]
    public async Task A_write_refused_the_meta_keys_on_two_nodes_is_refused_before_its_script_runs_there()
    {
        using var certificates = LocalCertificates.Create();
        await using var cluster = await SecureCluster.StartAsync(certificates);
        await using var client = await AnarchoRedisClient.ConnectAsync(SecureCluster.ClientOptions(cluster, o => o.Hints.Enabled = false));
        var withoutMeta = SecureCluster.Rule(parts => parts.Where(p => p != "~anrcho_version:*")).Split(' ');
        foreach (var node in cluster.Nodes.Take(2))
        {
            // resetkeys, then every pattern but the meta keys'.
            await node.Db.ExecuteAsync("ACL", ["SETUSER", SecureCluster.User, "resetkeys", .. withoutMeta.Where(p => p.StartsWith('~'))]);
        }

        var error = await Assert.ThrowsAsync<QuorumNotReachedException>(() =>
            client.GetValueStore(Profile.Descriptor).SetAsync("profile:1", new Profile { Id = 1, Name = "Ada" }).AsTask().WaitAsync(HangGuard));

        // Node 2 applied it (the outcome is indeterminate: one node holds the value, whole); nodes 0 and 1 refused the key.
        Assert.Equal(NodeOutcomeKind.Applied, error.Outcomes[2].Kind);
        foreach (var outcome in error.Outcomes.Take(2))
        {
            Assert.Equal(NodeOutcomeKind.Failed, outcome.Kind);
            var permission = Assert.IsType<NodePermissionException>(outcome.Error);
            Assert.Equal("evalsha", permission.Command);
            Assert.Contains("one of its keys", permission.Message, StringComparison.Ordinal);
        }

        await AssertNothingWrittenAsync(cluster, "profile:1", nodes: [0, 1]);
        Assert.True(await cluster[2].Db.KeyExistsAsync("profile:1"));
        Assert.True(await cluster[2].Db.KeyExistsAsync(RedisCluster.MetaKeyOf("profile:1")));
    }

    [Fact]
    public async Task A_command_revoked_while_the_client_runs_fails_the_write_with_a_permission_error()
    {
        using var certificates = LocalCertificates.Create();
        await using var cluster = await SecureCluster.StartAsync(certificates);
        await using var client = await AnarchoRedisClient.ConnectAsync(SecureCluster.ClientOptions(cluster, o => o.Hints.Enabled = false));
        foreach (var node in cluster.Nodes)
        {
            await node.Db.ExecuteAsync("ACL", "SETUSER", SecureCluster.User, "-hset");
        }

        var error = await Assert.ThrowsAsync<QuorumNotReachedException>(() =>
            client.GetValueStore(Profile.Descriptor).SetAsync("profile:1", new Profile { Id = 1, Name = "Ada" }).AsTask().WaitAsync(HangGuard));

        // The documented limit: Redis refuses HSET only when the script reaches it, and does not say which command it was.
        Assert.All(error.Outcomes, o =>
        {
            var permission = Assert.IsType<NodePermissionException>(o.Error);
            Assert.Contains("called a command the Redis user may not run", permission.Message, StringComparison.Ordinal);
        });

        // After a reconnection (or in a new client) the check names the command, and nothing more is sent.
        await using var next = await AnarchoRedisClient.ConnectAsync(SecureCluster.ClientOptions(cluster));
        var refused = await Assert.ThrowsAsync<QuorumNotReachedException>(() =>
            next.GetValueStore(Profile.Descriptor).SetAsync("profile:2", new Profile { Id = 2, Name = "Grace" }).AsTask().WaitAsync(HangGuard));
        Assert.All(refused.Outcomes, o => Assert.Equal("hset", Assert.IsType<NodePermissionException>(o.Error).Command));
        await AssertNothingWrittenAsync(cluster, "profile:2");
    }

    private static async Task AssertNothingWrittenAsync(LocalCluster cluster, string key, int[]? nodes = null)
    {
        foreach (var index in nodes ?? [.. Enumerable.Range(0, cluster.Nodes.Count)])
        {
            Assert.False(await cluster[index].Db.KeyExistsAsync(key), $"node {index} holds the data key");
            Assert.False(await cluster[index].Db.KeyExistsAsync(RedisCluster.MetaKeyOf(key)), $"node {index} holds the meta key");
        }
    }
}
