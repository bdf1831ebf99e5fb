using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Testing;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace AnarchoRedis.Samples.Demo;

/// <summary>
/// AnarchoRedis in one command: <c>dotnet run --project samples/AnarchoRedis.Samples.Demo</c>.
/// Starts three in-process Garnet servers (or uses <c>-- --nodes host:port,host:port,host:port</c>), then shows, in a
/// live table of what each node holds, a node killed under load, restarted empty, and healed by read repair and an
/// anti-entropy pass, and ends with a byte-for-byte comparison of the nodes. Exit code 0 only when they converged.
/// </summary>
internal static class Program
{
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

        // --trace: the library's spans on the console. Prints nothing until the library has an "AnarchoRedis" ActivitySource.
        using var tracing = arguments.Trace
            ? Sdk.CreateTracerProviderBuilder().AddSource(AnarchoRedisTracing.SourceName).AddConsoleExporter().Build()
            : null;

        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // Let the finally blocks stop the servers this demo started.
            e.Cancel = true;
            Console.WriteLine("Ctrl+C: stopping…");
            cancellation.Cancel();
        };

        // SIGTERM (docker stop, kill) takes the same graceful path as Ctrl+C.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            Console.WriteLine("SIGTERM: stopping…");
            cancellation.Cancel();
        });

        var log = new DemoLog();
        var view = DemoView.Create(arguments.Interactive, log);
        var nodes = new List<IDemoNode>();
        using var exitHook = new ProcessExitHook(nodes);
        var total = Stopwatch.StartNew();
        try
        {
            await StartNodesAsync(arguments, nodes, cancellation.Token);
            var converged = await Scenario.RunAsync(nodes, view, log, cancellation.Token);
            Console.WriteLine($"Done in {total.Elapsed.TotalSeconds:0.0} s: {(converged ? "converged" : "NOT converged")}.");
            return converged ? 0 : 1;
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
            foreach (var endPoint in given)
            {
                nodes.Add(await ExternalNode.StartAsync(endPoint, cancellationToken));
            }

            Console.WriteLine($"Using the nodes given on the command line (A, B, C): {string.Join(", ", given)}, each behind an in-process TCP proxy so that the demo can cut C off without touching it.");
            return;
        }

        if (arguments.Server is ServerKind.Auto or ServerKind.Garnet)
        {
            var started = Stopwatch.StartNew();
            try
            {
                nodes.AddRange(await KitNode.StartAsync(LocalNodeBackend.Garnet, cancellationToken));

                Console.WriteLine($"Started 3 in-process Garnet servers A, B, C (Lua on, Lua transaction mode on) in {started.ElapsedMilliseconds} ms: {string.Join(", ", nodes.Select(n => n.EndPoint))}");
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
        Console.WriteLine($"Started 3 redis-server processes A, B, C (no persistence): {string.Join(", ", nodes.Select(n => n.EndPoint))}");
    }

    private static async Task<List<LuaCompatibility.Probe>> CheckLuaAsync(IDemoNode node)
    {
        await using var inspector = await Inspector.ConnectAsync([node], timeoutMs: 10_000);
        var probes = await LuaCompatibility.RunAsync(inspector.Database(0));
        var failed = probes.Where(p => !p.Ok).ToList();
        Console.WriteLine($"Lua self-check on {node.EndPoint}: {probes.Count - failed.Count} of {probes.Count} probes of the Redis/Lua features the library's scripts use pass.");
        return failed;
    }

    private static async Task StopNodesAsync(List<IDemoNode> nodes)
    {
        var started = nodes.Count(n => n.OwnedByDemo);
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
}
