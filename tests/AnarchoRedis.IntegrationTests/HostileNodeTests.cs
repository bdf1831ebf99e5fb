using System;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;
using Xunit;
using Xunit.Abstractions;

namespace AnarchoRedis.IntegrationTests;

/// <summary>
/// Bad-input corpus (docs/reliability.md), part 2: a node that refuses the library (authentication, ACL, memory) or is
/// not a usable node at all (never answers, resets connections). In every case a quorum write that the other nodes can
/// acknowledge succeeds, the refusal is visible (node outcome, <c>anarchoredis.node.errors</c>,
/// <c>anarchoredis.node.missed_writes</c>), and a write that needs the bad node fails with that node's outcome.
/// </summary>
public sealed class HostileNodeTests
{
    private const int Bad = 2;
    private readonly ITestOutputHelper _output;

    public HostileNodeTests(ITestOutputHelper output) => _output = output;

    public enum Refusal
    {
        /// <summary>The node requires a password the client does not send.</summary>
        NoAuth,

        /// <summary>The client sends the wrong password.</summary>
        WrongPass,

        /// <summary>The client's ACL user may not run EVAL/EVALSHA.</summary>
        NoPerm,

        /// <summary>The node is above maxmemory with maxmemory-policy noeviction.</summary>
        OutOfMemory,
    }

    [Theory]
    [InlineData(Refusal.NoAuth)]
    [InlineData(Refusal.WrongPass)]
    [InlineData(Refusal.NoPerm)]
    [InlineData(Refusal.OutOfMemory)]
    public async Task Node_that_refuses_the_library_is_outvoted_reported_and_named_in_a_failed_all_write(Refusal refusal)
    {
        await using var cluster = await RedisCluster.StartAsync();
        using var metrics = new NodeErrorRecorder();
        var badNode = cluster[Bad];
        var nodeConfiguration = await RefuseAsync(badNode, refusal);
        var client = await cluster.CreateClientAsync(o => o.Nodes[Bad] = nodeConfiguration);
        var store = client.GetValueStore(Profile.Descriptor);
        var key = $"profile:refused-{refusal}";
        var value = new Profile { Id = 1, Name = refusal.ToString() };

        // W = 2 of 3: the write succeeds on the good nodes, and the refusal is counted, not dropped.
        var written = await TimedAsync($"{refusal}: W=Quorum set", () => store.SetAsync(key, value, WriteOptions.Quorum).AsTask());
        Assert.True(written.Acknowledged >= 2);
        await Eventually.HoldsAsync(
            () => Task.FromResult(metrics.Count(NodeErrorRecorder.NodeErrors, badNode.EndPoint) >= 1 && metrics.Count(NodeErrorRecorder.MissedWrites, badNode.EndPoint) >= 1),
            "the refusing node's error and missed write are counted");
        Assert.Equal(value, await store.GetAsync(key, ReadOptions.Quorum));

        // W = All: the refusing node's outcome carries the server's error. A node that refuses commands answers, so it is
        // Failed; one that refuses the connection itself (authentication) has its circuit open, so it is Skipped, and
        // the skip names the last failure.
        var error = await Assert.ThrowsAsync<QuorumNotReachedException>(() => TimedAsync($"{refusal}: W=All set", () => store.SetAsync(key, value with { Age = 2 }, WriteOptions.All).AsTask()));
        _output.WriteLine($"{refusal}: {error.Outcomes[Bad].Error?.GetType().Name}: {error.Outcomes[Bad].Error?.Message}");
        Assert.Equal(refusal is Refusal.NoAuth or Refusal.WrongPass ? NodeOutcomeKind.Skipped : NodeOutcomeKind.Failed, error.Outcomes[Bad].Kind);
        Assert.Equal(badNode.EndPoint, error.Outcomes[Bad].Node);
        var message = error.Outcomes[Bad].Error?.Message ?? string.Empty;
        Assert.True(ExpectedText(refusal).Any(text => message.Contains(text, StringComparison.Ordinal)), message);
        Assert.All(error.Outcomes.Where((_, i) => i != Bad), o => Assert.Equal(NodeOutcomeKind.Applied, o.Kind));
        Assert.True(error.IsIndeterminate);
        Assert.Equal(2, error.Acknowledged);

        // Nothing lost: both good nodes hold the newest write, which a quorum read returns; the bad node got nothing.
        Assert.Equal(value with { Age = 2 }, await store.GetAsync(key, ReadOptions.Quorum));
        for (var node = 0; node < 3; node++)
        {
            Assert.Equal(node != Bad, await cluster[node].Db.KeyExistsAsync(key));
        }
    }

    [Fact]
    public async Task Node_out_of_memory_still_answers_reads_and_a_failed_read_repair_does_not_fail_the_read()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:oom-read";
        var first = await store.SetAsync(key, new Profile { Id = 1, Name = "first" }, WriteOptions.All);
        await RefuseAsync(cluster[Bad], Refusal.OutOfMemory);
        var second = await store.SetAsync(key, new Profile { Id = 1, Name = "second" }, WriteOptions.Quorum);

        // Node 2 holds the first write and cannot take the repair; the read still answers with the newest.
        var read = await TimedAsync("OOM: R=All read with a failing repair", () => store.GetVersionedAsync(key, ReadOptions.All).AsTask());

        Assert.Equal("second", read?.Value.Name);
        Assert.Equal(second.Version, read?.Version);
        Assert.Equal(first.Version.ToString(), await cluster.VersionAsync(Bad, key));
    }

    [Theory]
    [InlineData(SilentServerMode.NeverAnswer)]
    [InlineData(SilentServerMode.ResetConnections)]
    public async Task Endpoint_that_never_answers_or_resets_connections_does_not_block_the_quorum_and_fails_an_all_write(SilentServerMode mode)
    {
        await using var cluster = await RedisCluster.StartAsync();
        await using var silent = SilentServer.Start(mode);
        using var metrics = new NodeErrorRecorder();
        var connect = Stopwatch.StartNew();
        var client = await cluster.CreateClientAsync(o =>
        {
            o.Nodes[Bad] = silent.EndPoint;
            o.ConnectTimeout = TimeSpan.FromSeconds(1);
        });
        _output.WriteLine($"{mode}: client connect {connect.Elapsed.TotalMilliseconds:0} ms");

        // Start-up waits at most ConnectTimeout for the bad endpoint, once (it used to retry 3 times: 3 s here).
        Assert.True(connect.Elapsed < TimeSpan.FromSeconds(2.5), $"connecting took {connect.Elapsed.TotalSeconds:0.0} s with ConnectTimeout 1 s");
        var store = client.GetValueStore(Profile.Descriptor);
        var key = $"profile:silent-{mode}";
        var value = new Profile { Id = 1, Name = mode.ToString() };

        var written = await TimedAsync($"{mode}: W=Quorum set", () => store.SetAsync(key, value, WriteOptions.Quorum).AsTask());
        Assert.Equal(2, written.Acknowledged);
        Assert.Equal(value, await TimedAsync($"{mode}: R=Quorum get", () => store.GetAsync(key, ReadOptions.Quorum).AsTask()));
        await Eventually.HoldsAsync(
            () => Task.FromResult(metrics.Count(NodeErrorRecorder.MissedWrites, silent.EndPoint) >= 1),
            "the missed write on the bad endpoint is counted");

        var error = await Assert.ThrowsAsync<QuorumNotReachedException>(() => TimedAsync($"{mode}: W=All set", () => store.SetAsync(key, value with { Age = 3 }, WriteOptions.All).AsTask()));
        _output.WriteLine($"{mode}: {error.Outcomes[Bad].Kind} {error.Outcomes[Bad].Error?.GetType().Name}: {error.Outcomes[Bad].Error?.Message}");
        Assert.Equal(silent.EndPoint, error.Outcomes[Bad].Node);
        Assert.Contains(error.Outcomes[Bad].Kind, new[] { NodeOutcomeKind.Failed, NodeOutcomeKind.TimedOut, NodeOutcomeKind.Skipped });
        Assert.NotNull(error.Outcomes[Bad].Error);
        Assert.Equal(2, error.Acknowledged);
        Assert.True(error.IsIndeterminate);
        Assert.True(silent.Accepted >= 1, "the client did reach the endpoint");

        Assert.Equal(value with { Age = 3 }, await store.GetAsync(key, ReadOptions.Quorum));
        var readAll = await Assert.ThrowsAsync<QuorumNotReachedException>(() => TimedAsync($"{mode}: R=All get", () => store.GetAsync(key, ReadOptions.All).AsTask()));
        Assert.Equal(2, readAll.Acknowledged);
        Assert.NotEqual(NodeOutcomeKind.Applied, readAll.Outcomes[Bad].Kind);
    }

    /// <summary>Makes <paramref name="node"/> refuse the library; returns the configuration string the client uses for it.</summary>
    private static async Task<string> RefuseAsync(LocalNode node, Refusal refusal)
    {
        // The direct connection is already authenticated and stays so: CONFIG SET requirepass does not drop clients.
        switch (refusal)
        {
            case Refusal.NoAuth:
                await node.Db.ExecuteAsync("CONFIG", "SET", "requirepass", "s3cret");
                return node.EndPoint;
            case Refusal.WrongPass:
                await node.Db.ExecuteAsync("CONFIG", "SET", "requirepass", "s3cret");
                return $"{node.EndPoint},password=wrong";
            case Refusal.NoPerm:
                await node.Db.ExecuteAsync("ACL", "SETUSER", "noscripts", "on", ">pw", "~*", "&*", "+@all", "-eval", "-evalsha", "-eval_ro", "-evalsha_ro");
                return $"{node.EndPoint},user=noscripts,password=pw";
            case Refusal.OutOfMemory:
                await node.Db.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "noeviction");
                for (var i = 0; i < 4; i++)
                {
                    await node.Db.StringSetAsync($"filler:{i}", new byte[1024 * 1024]);
                }

                await node.Db.ExecuteAsync("CONFIG", "SET", "maxmemory", "1mb");
                return node.EndPoint;
            default:
                throw new ArgumentOutOfRangeException(nameof(refusal), refusal, null);
        }
    }

    /// <summary>
    /// The server's error the outcome carries. StackExchange.Redis reports a rejected password by the handshake's last
    /// error, NOAUTH (its AUTH got WRONGPASS, the next command NOAUTH), with "Verify if the Redis password provided is
    /// correct".
    /// </summary>
    private static string[] ExpectedText(Refusal refusal) => refusal switch
    {
        Refusal.NoAuth => ["NOAUTH"],
        Refusal.WrongPass => ["WRONGPASS", "NOAUTH"],
        Refusal.NoPerm => ["NOPERM"],
        Refusal.OutOfMemory => ["OOM command not allowed"],
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, null),
    };

    private Task<T> TimedAsync<T>(string what, Func<Task<T>> operation) => Timed.RunAsync(_output, what, operation);
}
