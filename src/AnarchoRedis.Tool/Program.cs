using System;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console;

namespace AnarchoRedis.Tool;

/// <summary>The <c>anarcho</c> command: see <see cref="AnarchoApp"/>.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // Ctrl+C ends a watch or a pass cleanly (exit code 130), the connections closed.
            e.Cancel = true;
            cancellation.Cancel();
        };

        return await AnarchoApp.RunAsync(args, AnsiConsole.Console, Console.Out, Environment.GetEnvironmentVariable, cancellation.Token).ConfigureAwait(false);
    }
}
