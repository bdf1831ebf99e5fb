using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Testing;
using Spectre.Console;

namespace AnarchoRedis.Tool.Tests;

/// <summary>One run of the <c>anarcho</c> command line, in process: its exit code and what it printed where.</summary>
internal sealed record ToolRun(int ExitCode, string Console, string Json, string Errors)
{
    public JsonElement Document => JsonDocument.Parse(Json).RootElement;

    public static async Task<ToolRun> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var console = new StringWriter();
        var json = new StringWriter();
        var errors = new StringWriter();
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(console),
        });
        ansi.Profile.Width = 160;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var code = await AnarchoApp.RunAsync(args.ToArray(), ansi, json, name => environment?.GetValueOrDefault(name), timeout.Token, errors);
        return new ToolRun(code, console.ToString(), json.ToString(), errors.ToString());
    }

    /// <summary>The <c>--node</c> arguments of every node of a cluster.</summary>
    public static IEnumerable<string> NodeArgs(LocalCluster cluster) => cluster.EndPoints.SelectMany(e => new[] { "--node", e });

    public override string ToString() => $"exit {ExitCode}\n--- console\n{Console}\n--- json\n{Json}\n--- errors\n{Errors}";
}
