using System;
using System.ComponentModel;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Rendering;

namespace AnarchoRedis.Tool.Commands;

/// <summary>Options of <c>anarcho watch</c>.</summary>
internal sealed class WatchSettings : ToolSettings
{
    [CommandOption("--interval <SECONDS>")]
    [Description("Seconds between refreshes.")]
    [DefaultValue(2.0)]
    public double IntervalSeconds { get; set; } = 2.0;

    [CommandOption("--count <N>")]
    [Description("Stop after N refreshes (0: until Ctrl+C).")]
    [DefaultValue(0)]
    public int Count { get; set; }

    public override ValidationResult Validate() =>
        IntervalSeconds is < 0.1 or > 3600 ? ValidationResult.Error("--interval must be between 0.1 and 3600 seconds.")
        : Count < 0 ? ValidationResult.Error("--count must not be negative.")
        : base.Validate();
}

/// <summary><c>anarcho watch</c>: the status table and the slot map, refreshed until Ctrl+C.</summary>
internal sealed class WatchCommand(NodeConnector connector, Output output) : ToolCommand<WatchSettings>(connector, output)
{
    protected override async Task<int> RunAsync(AnarchoRedisClient client, WatchSettings settings, CancellationToken cancellationToken)
    {
        var code = ExitCodes.InSync;
        var interval = TimeSpan.FromSeconds(settings.IntervalSeconds);
        if (!settings.Json && Output.Interactive)
        {
            await Output.Console.Live(new Markup("[grey]asking the nodes…[/]")).StartAsync(async live =>
            {
                for (var i = 0; settings.Count == 0 || i < settings.Count; i++)
                {
                    (code, var view) = await RefreshAsync(client, settings, cancellationToken).ConfigureAwait(false);
                    live.UpdateTarget(view);
                    await Delay(settings, i, interval, cancellationToken).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
            return code;
        }

        for (var i = 0; settings.Count == 0 || i < settings.Count; i++)
        {
            (code, var view) = await RefreshAsync(client, settings, cancellationToken).ConfigureAwait(false);
            if (view is not null)
            {
                Output.Console.Write(view);
            }

            await Delay(settings, i, interval, cancellationToken).ConfigureAwait(false);
        }

        return code;
    }

    private static Task Delay(WatchSettings settings, int i, TimeSpan interval, CancellationToken cancellationToken) =>
        settings.Count != 0 && i == settings.Count - 1 ? Task.CompletedTask : Task.Delay(interval, cancellationToken);

    /// <summary>One refresh: the exit code it would give, and its view (null in JSON mode, which prints a line instead).</summary>
    private async Task<(int Code, IRenderable? View)> RefreshAsync(AnarchoRedisClient client, WatchSettings settings, CancellationToken cancellationToken)
    {
        var statuses = await client.DescribeNodesAsync(cancellationToken).ConfigureAwait(false);
        var comparison = await DiffCommand.CompareAsync(client, cancellationToken).ConfigureAwait(false);
        var code = Math.Max(StatusCommand.ExitCode(statuses), comparison is null ? 0 : DiffCommand.ExitCode(comparison));
        var now = DateTimeOffset.UtcNow;
        if (settings.Json)
        {
            Output.Json(
                new
                {
                    time = now,
                    nodes = statuses.Select(StatusCommand.Document).ToArray(),
                    slots = comparison is null ? null : DiffCommand.Document(comparison, DiffCommand.ExitCode(comparison)),
                    exitCode = code,
                },
                oneLine: true);
            return (code, null);
        }

        var parts = new IRenderable[]
        {
            new Markup($"[grey]{now:yyyy-MM-dd HH:mm:ss} UTC, every {settings.IntervalSeconds:0.#} s; Ctrl+C to stop[/]"),
            StatusCommand.Table(statuses),
            new Markup(StatusCommand.Summary(statuses)),
            comparison is null ? new Markup("[grey]no slot digests (SlotDigests off)[/]") : DiffCommand.View(comparison),
        };
        return (code, new Rows(parts));
    }
}
