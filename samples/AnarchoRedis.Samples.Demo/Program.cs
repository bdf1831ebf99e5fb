using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Samples.Models;
using AnarchoRedis.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AnarchoRedis.Samples.Demo;

/// <summary>
/// AnarchoRedis in one command: <c>dotnet run --project samples/AnarchoRedis.Samples.Demo</c>.
/// Starts three in-process Garnet servers (or uses <c>-- --nodes host:port,host:port,host:port</c>), then writes,
/// reads, survives a node loss, repairs the node on read, and deletes with a tombstone, showing each node's raw keys.
/// </summary>
internal static class Program
{
    private const int UserId = 1;

    public static async Task<int> Main(string[] args)
    {
        if (!DemoArguments.TryParse(args, out var arguments, out var error))
        {
            Console.Error.WriteLine(error);
            Console.Error.WriteLine(DemoArguments.Usage);
            return 2;
        }

        if (arguments.Help)
        {
            Console.WriteLine(DemoArguments.Usage);
            return 0;
        }

        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // Let the finally blocks stop the servers this demo started.
            e.Cancel = true;
            Console.WriteLine("Ctrl+C: stopping…");
            cancellation.Cancel();
        };

        // SIGTERM (docker stop, kill) takes the same graceful path as Ctrl+C.
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            Console.WriteLine("SIGTERM: stopping…");
            cancellation.Cancel();
        });

        var nodes = new List<IDemoNode>();
        using var exitHook = new ProcessExitHook(nodes);
        try
        {
            await StartNodesAsync(arguments, nodes, cancellation.Token);
            await RunAsync(nodes, cancellation.Token);
            Console.WriteLine();
            Console.WriteLine("Done.");
            return 0;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Console.WriteLine("Cancelled.");
            return 130;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"The demo failed: {ex}");
            return 1;
        }
        finally
        {
            await StopNodesAsync(nodes);
        }
    }

    private static async Task StartNodesAsync(DemoArguments arguments, List<IDemoNode> nodes, CancellationToken cancellationToken)
    {
        if (arguments.Nodes is { } given)
        {
            Console.WriteLine($"Using the {given.Count} nodes given on the command line: {string.Join(", ", given)}");
            nodes.AddRange(given.Select(n => new ExternalNode(n)));
            return;
        }

        if (arguments.Server is ServerKind.Auto or ServerKind.Garnet)
        {
            var started = Stopwatch.StartNew();
            try
            {
                nodes.AddRange(await KitNode.StartAsync(LocalNodeBackend.Garnet, cancellationToken));

                Console.WriteLine($"Started 3 in-process Garnet servers (Lua on, Lua transaction mode on) in {started.ElapsedMilliseconds} ms: {string.Join(", ", nodes.Select(n => n.EndPoint))}");
                var problems = await CheckLuaAsync(nodes[0]);
                foreach (var problem in problems)
                {
                    Console.WriteLine($"  Garnet rejects: {problem.Feature}: {problem.Detail}{(problem.OnlyForTimeToLive ? " (used only for values with a time to live; the demo writes none)" : string.Empty)}");
                }

                // Features used only for values with a time to live do not matter here: the demo writes none.
                if (arguments.Server == ServerKind.Garnet || problems.All(p => p.OnlyForTimeToLive))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException && arguments.Server == ServerKind.Auto)
            {
                Console.WriteLine($"Could not start in-process Garnet: {ex.Message}");
            }

            await StopNodesAsync(nodes);
            Console.WriteLine("Garnet cannot run what this demo needs; falling back to redis-server processes.");
        }

        // The kit finds redis-server ($REDIS_SERVER, PATH, /usr/bin, /usr/local/bin) and says how to install it when missing.
        nodes.AddRange(await KitNode.StartAsync(LocalNodeBackend.RedisServer, cancellationToken));
        Console.WriteLine($"Started 3 redis-server processes (no persistence): {string.Join(", ", nodes.Select(n => n.EndPoint))}");
    }

    private static async Task<List<LuaCompatibility.Probe>> CheckLuaAsync(IDemoNode node)
    {
        await using var inspector = await Inspector.ConnectAsync([node]);
        var probes = await LuaCompatibility.RunAsync(inspector.Database(0));
        var failed = probes.Where(p => !p.Ok).ToList();
        Console.WriteLine($"Lua self-check on {node.EndPoint}: {probes.Count - failed.Count} of {probes.Count} probes of the Redis/Lua features the library's scripts use pass.");
        return failed;
    }

    private static async Task StopNodesAsync(List<IDemoNode> nodes)
    {
        var started = nodes.Count(n => n.CanRestart);
        foreach (var node in nodes)
        {
            try
            {
                await node.DisposeAsync();
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine($"Stopping {node.EndPoint} failed: {ex.Message}");
            }
        }

        if (started > 0)
        {
            Console.WriteLine($"Stopped the {started} servers this demo started.");
        }

        nodes.Clear();
    }

    private static async Task RunAsync(IReadOnlyList<IDemoNode> nodes, CancellationToken ct)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging
            .AddSimpleConsole(console => console.SingleLine = true)
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter((category, level) => level >= LogLevel.Warning && !(QuietLogs.IsOn && category == "AnarchoRedis")));
        services.AddAnarchoRedis(options =>
        {
            options.Nodes = nodes.Select(n => n.EndPoint).ToList();
            options.WriteConsistency = Consistency.Quorum; // W = 2 of 3
            options.ReadConsistency = Consistency.Quorum;  // R = 2 of 3
            options.NodeTimeout = TimeSpan.FromSeconds(1);
        });
        services.AddAnarchoRedisSamplesModelsRepositories();

        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var client = provider.GetRequiredService<AnarchoRedisClient>();
        var users = provider.GetRequiredService<IUserRepository>();
        await using var inspector = await Inspector.ConnectAsync(nodes);

        var key = UserRepository.FormatKey(UserId);
        var metaKey = $"{AnarchoRedisOptions.DefaultMetaKeyPrefix}{{{key}}}";
        var last = nodes.Count - 1;
        Console.WriteLine($"AnarchoRedis client: N={client.Nodes.Count}, W=2, R=2 (quorum), writer id {client.Clock.WriterId:x16}.");
        Console.WriteLine($"Model: {typeof(User).FullName}, key \"{key}\", meta key \"{metaKey}\".");

        Step(1, $"Write {key} to all {nodes.Count} nodes (returns after W=2 acknowledgements)");
        var ada = new User { Id = UserId, Name = "Ada Lovelace", Email = "ada@example.org", Visits = 1 };
        var written = await users.SetAsync(ada, cancellationToken: ct);
        Console.WriteLine($"  SetAsync -> version {written.Version}, {written.Acknowledged} nodes had acknowledged at return ({written.Required} required)");
        await WaitUntilAsync(async () => await AllHoldAsync(inspector, nodes, metaKey, written.Version.ToString()), ct);
        await inspector.ShowAsync(key, metaKey);

        Step(2, $"Read {key} (R=2)");
        var read = await users.GetVersionedAsync(UserId, cancellationToken: ct);
        Console.WriteLine($"  GetAsync -> {read?.Value} at version {read?.Version}");

        Step(3, nodes[last].CanRestart
            ? $"Node {last + 1} goes down; writes and reads still reach W=R=2"
            : $"Node {last + 1} goes down (skipped: --nodes); an update at W=2");
        if (nodes[last].CanRestart)
        {
            await nodes[last].StopAsync();
            Console.WriteLine($"  stopped node {last + 1} ({nodes[last].EndPoint}): its data is gone");
            ada.Visits = 2;
            ada.Email = "ada.lovelace@example.org";
            written = await users.SetAsync(ada, cancellationToken: ct);
            Console.WriteLine($"  SetAsync -> version {written.Version}, {written.Acknowledged} acknowledgements ({written.Required} required; node {last + 1} missed it)");
            read = await users.GetVersionedAsync(UserId, cancellationToken: ct);
            Console.WriteLine($"  GetAsync -> {read?.Value} at version {read?.Version}");
            await inspector.ShowAsync(key, metaKey);

            Step(4, $"Node {last + 1} comes back empty; hints and reads repair it");
            await nodes[last].StartEmptyAsync();
            Console.WriteLine($"  restarted node {last + 1} on the same port, with no data");
            await WaitForClientAsync(client, last, ct);
            await WaitUntilAsync(() => inspector.PingAsync(last), ct);
        }
        else
        {
            Console.WriteLine($"  skipped: the demo does not stop nodes it did not start (--nodes).");
            ada.Visits = 2;
            ada.Email = "ada.lovelace@example.org";
            written = await users.SetAsync(ada, cancellationToken: ct);
            Console.WriteLine($"  SetAsync -> version {written.Version}, {written.Acknowledged} acknowledgements ({written.Required} required)");
            await WaitUntilAsync(async () => await AllHoldAsync(inspector, nodes, metaKey, written.Version.ToString()), ct);

            Step(4, $"Node {last + 1} loses its copy; a read repairs it");
            await inspector.Database(last).KeyDeleteAsync([key, metaKey]);
            Console.WriteLine($"  deleted {key} and {metaKey} on node {last + 1} directly (as if it had restarted empty)");
        }

        var hinted = nodes[last].CanRestart && await inspector.VersionAsync(last, metaKey) == written.Version.ToString();
        Console.WriteLine(hinted
            ? $"  before the read, node {last + 1} already holds the newest version: the client kept a hint for the write it missed in step 3 and replayed it as soon as the node answered:"
            : $"  before the read, node {last + 1} holds:");
        Console.WriteLine($"    node {last + 1} {nodes[last].EndPoint,-16} {await inspector.DescribeAsync(last, key, metaKey)}");
        read = await users.GetVersionedAsync(UserId, cancellationToken: ct);
        Console.WriteLine($"  GetAsync -> {read?.Value} at version {read?.Version}");
        // Stale replicas among the R counted are repaired before the read returns, the others right after it.
        var repaired = await WaitUntilAsync(async () => await inspector.VersionAsync(last, metaKey) == written.Version.ToString(), ct);
        Console.WriteLine($"  after the read, node {last + 1} holds ({(repaired ? "repaired" : "NOT repaired within 5 s")}):");
        Console.WriteLine($"    node {last + 1} {nodes[last].EndPoint,-16} {await inspector.DescribeAsync(last, key, metaKey)}");

        Step(5, $"Delete {key}: a tombstone, not a missing key");
        var deleted = await users.DeleteAsync(UserId, cancellationToken: ct);
        Console.WriteLine($"  DeleteAsync -> tombstone version {deleted.Version}, {deleted.Acknowledged} acknowledgements ({deleted.Required} required)");
        await WaitUntilAsync(async () => await AllHoldAsync(inspector, nodes, metaKey, deleted.Version.ToString()), ct);
        Console.WriteLine("  every node keeps the meta key with t=1 (tombstone), v (its version), d (deletion time, Unix ms),");
        Console.WriteLine("  x (expiry, 0 = none), k (kind: v = value), n (registry name); the data key is gone:");
        await inspector.ShowAsync(key, metaKey);
        var after = await users.GetAsync(UserId, cancellationToken: ct);
        Console.WriteLine($"  GetAsync -> {(after is null ? "null (deleted)" : after.ToString())}");

        Step(6, $"Anti-entropy: node {last + 1} misses writes that nobody reads; one pass heals it");
        await HealUnreadKeysAsync(provider.GetRequiredService<AntiEntropyRunner>(), nodes, inspector, ct);
        Console.WriteLine($"  node {last + 1}'s state is now {client.Health[last].State}: the pass refilled it, so its reads count toward R again");
    }

    /// <summary>A client cut off from the last node writes users; a pass (not a read) brings them to that node.</summary>
    private static async Task HealUnreadKeysAsync(AntiEntropyRunner runner, IReadOnlyList<IDemoNode> nodes, Inspector inspector, CancellationToken ct)
    {
        const int count = 100;
        var last = nodes.Count - 1;
        var options = new AnarchoRedisOptions
        {
            Nodes = nodes.Take(last).Select(n => n.EndPoint).ToList(),
            WriteConsistency = Consistency.All,
            NodeTimeout = TimeSpan.FromSeconds(1),
        };
        await using (var cutOff = await AnarchoRedisClient.ConnectAsync(options, cancellationToken: ct))
        {
            var partitioned = new UserRepository(cutOff);
            for (var i = 0; i < count; i++)
            {
                await partitioned.SetAsync(new User { Id = 1000 + i, Name = $"User {1000 + i}", Email = $"u{1000 + i}@example.org" }, cancellationToken: ct);
            }
        }

        Console.WriteLine($"  a client that reaches only nodes 1-{last} wrote {count} users (user:1000 .. user:{1000 + count - 1}); node {last + 1} holds {await HeldAsync()} of them");
        var report = await runner.RunPassAsync(cancellationToken: ct);
        Console.WriteLine($"  RunPassAsync -> {report.Mode} pass in {report.Duration.TotalMilliseconds:0} ms: {report.SlotsDiffering} of {report.SlotsCompared} slot digests differed,");
        Console.WriteLine($"    {report.KeysCompared} keys compared, {report.ValuesRepaired} values and {report.ListsRepaired} lists repaired, {report.ProblemCount} problems");
        Console.WriteLine($"  node {last + 1} now holds {await HeldAsync()} of them; a second pass finds {(await runner.RunPassAsync(cancellationToken: ct)).SlotsDiffering} slots differing");

        async Task<int> HeldAsync()
        {
            var held = 0;
            for (var i = 0; i < count; i++)
            {
                var key = UserRepository.FormatKey(1000 + i);
                if (await inspector.VersionAsync(last, $"{AnarchoRedisOptions.DefaultMetaKeyPrefix}{{{key}}}") is not null)
                {
                    held++;
                }
            }

            return held;
        }
    }

    private static void Step(int number, string title)
    {
        Console.WriteLine();
        Console.WriteLine($"== {number}. {title}");
    }

    private static async Task<bool> AllHoldAsync(Inspector inspector, IReadOnlyList<IDemoNode> nodes, string metaKey, string version)
    {
        for (var i = 0; i < nodes.Count; i++)
        {
            if (nodes[i].IsRunning && await inspector.VersionAsync(i, metaKey) != version)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Polls (every 50 ms, at most 5 s) until the condition holds.</summary>
    private static async Task<bool> WaitUntilAsync(Func<Task<bool>> condition, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50, ct);
        }

        return false;
    }

    /// <summary>
    /// Waits until the client is back in touch with the restarted node: StackExchange.Redis has reconnected and the
    /// client's health prober has read the node's epoch key. The key is gone (the node lost its data) while the other
    /// nodes still have theirs, so the node is marked filling: it takes writes, its reads are used for repair, but they
    /// do not count toward R until an anti-entropy pass has refilled it.
    /// </summary>
    private static async Task WaitForClientAsync(AnarchoRedisClient client, int node, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (client.Health[node].State is NodeHealthState.Open or NodeHealthState.Unverified && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50, ct);
        }

        var health = client.Health[node];
        Console.WriteLine($"  the client reconnected to it after {watch.ElapsedMilliseconds} ms; its epoch key was gone, so its state is {health.State}:");
        Console.WriteLine("    it takes writes, and its read answers are repaired but do not count toward R until a pass has refilled it");
    }
}
