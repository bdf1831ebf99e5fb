using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Tool.Commands;
using AnarchoRedis.Tool.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AnarchoRedis.Tool;

/// <summary>
/// <c>anarcho</c>: status, diff, repair, inspect and watch over the nodes of an AnarchoRedis replica set, without the
/// application's types. Exit codes: 0 in sync, 1 differences, 2 a node not answering or a usage error, 130 Ctrl+C.
/// </summary>
internal static class AnarchoApp
{
    /// <summary>Runs one command line.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="console">Where tables, progress and help go.</param>
    /// <param name="json">Where <c>--json</c> documents go (standard output).</param>
    /// <param name="environment">Reads an environment variable (ANARCHO_NODES, ANARCHO_PASSWORD, ANARCHO_CONFIG).</param>
    /// <param name="cancellationToken">Ctrl+C.</param>
    /// <param name="errors">Where errors go (standard error), or <see langword="null"/> for <see cref="Console.Error"/>.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(string[] args, IAnsiConsole console, TextWriter json, Func<string, string?> environment, CancellationToken cancellationToken, TextWriter? errors = null)
    {
        var output = new Output(console, json, errors ?? Console.Error);
        var services = new ServiceCollection()
            .AddSingleton(output)
            .AddSingleton(new NodeConnector(environment));
        var app = new CommandApp(new TypeRegistrar(services));
        app.Configure(config =>
        {
            config.SetApplicationName("anarcho");
            // An unknown option is an error, not ignored: `repair --scna` must not run a digest pass.
            config.UseStrictParsing();
            config.ConfigureConsole(console);
            config.AddCommand<StatusCommand>("status")
                .WithDescription("Every node: answering, state (ready / filling), epoch, round trip, keys, server version.")
                .WithExample("status", "--node", "10.0.0.1:6379", "--node", "10.0.0.2:6379", "--node", "10.0.0.3:6379");
            config.AddCommand<DiffCommand>("diff")
                .WithDescription("Compare the 16,384 slot digests of every node: how many slots differ, which, and where.")
                .WithExample("diff", "--json");
            config.AddCommand<RepairCommand>("repair")
                .WithDescription("Run one anti-entropy pass now, with progress, and print its report.");
            config.AddCommand<InspectCommand>("inspect")
                .WithDescription("One key on every node: meta (version, deletion, expiry), data type, size, removed elements; stale copies in red.")
                .WithExample("inspect", "user:42");
            config.AddCommand<WatchCommand>("watch")
                .WithDescription("The status and the slot map, refreshed until Ctrl+C.")
                .WithExample("watch", "--interval", "5");
            config.SetExceptionHandler((exception, _) =>
            {
                if (exception is OperationCanceledException)
                {
                    return ExitCodes.Cancelled;
                }

                // Parse errors (an unknown option, a missing argument) and failed validation are usage errors.
                output.Error(exception is CommandAppException or CommandRuntimeException ? exception.Message : exception.ToString());
                return ExitCodes.UnreachableOrUsage;
            });
        });
        return await app.RunAsync(args, cancellationToken).ConfigureAwait(false);
    }
}
