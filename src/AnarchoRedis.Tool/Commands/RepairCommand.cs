using System;
using System.ComponentModel;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AnarchoRedis.Tool.Commands;

/// <summary>Options of <c>anarcho repair</c>.</summary>
internal sealed class RepairSettings : ToolSettings
{
    [CommandOption("--scan")]
    [Description("Find keys with SCAN on every node instead of the slot digests (for nodes written with SlotDigests off).")]
    public bool Scan { get; set; }
}

/// <summary><c>anarcho repair</c>: one anti-entropy pass, with a progress bar, then its report.</summary>
internal sealed class RepairCommand(NodeConnector connector, Output output) : ToolCommand<RepairSettings>(connector, output)
{
    protected override async Task<int> RunAsync(AnarchoRedisClient client, RepairSettings settings, CancellationToken cancellationToken)
    {
        // Without the application's types: every key is repaired by the kind its meta states, byte for byte.
        var runner = new AntiEntropyRunner(client, ReplicatedTypeRegistry.CreateUntyped());
        var mode = settings.Scan ? AntiEntropyPassMode.Scan : AntiEntropyPassMode.Auto;
        var report = !settings.Json && Output.Interactive
            ? await WithProgressAsync(runner, mode, cancellationToken).ConfigureAwait(false)
            : await runner.RunPassAsync(mode, cancellationToken: cancellationToken).ConfigureAwait(false);

        var code = report.UnreachableNodes.Count > 0 ? ExitCodes.UnreachableOrUsage : report.IsClean ? ExitCodes.InSync : ExitCodes.Differences;
        if (settings.Json)
        {
            Output.Json(new
            {
                clean = report.IsClean,
                mode = report.Mode,
                durationMs = report.Duration.TotalMilliseconds,
                nodes = report.Nodes,
                slotsCompared = report.SlotsCompared,
                slotsDiffering = report.SlotsDiffering,
                slotsDue = report.SlotsDue,
                keysCompared = report.KeysCompared,
                valuesRepaired = report.ValuesRepaired,
                listsRepaired = report.ListsRepaired,
                valueTombstonesPurged = report.ValueTombstonesPurged,
                listTombstonesPurged = report.ListTombstonesPurged,
                emptyListsDropped = report.EmptyListsDropped,
                indexEntriesDropped = report.IndexEntriesDropped,
                unreachableNodes = report.UnreachableNodes,
                problemCount = report.ProblemCount,
                problems = Output.Problems(report.Problems),
                exitCode = code,
            });
        }
        else
        {
            Output.Console.Write(Table(report));
        }

        return code;
    }

    private async Task<AntiEntropyReport> WithProgressAsync(AntiEntropyRunner runner, AntiEntropyPassMode mode, CancellationToken cancellationToken)
    {
        AntiEntropyReport? report = null;
        await Output.Console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("anti-entropy pass", maxValue: HashSlot.Count);
                var progress = new Reporter(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    task.Description = string.Create(CultureInfo.InvariantCulture, $"{p.Phase.ToString().ToLowerInvariant()}: {p.KeysCompared} keys compared, {p.KeysRepaired} repaired");
                });
                report = await runner.RunPassAsync(mode, progress, cancellationToken).ConfigureAwait(false);
                task.Value = task.MaxValue;
            }).ConfigureAwait(false);
        return report!;
    }

    private static Table Table(AntiEntropyReport r)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("pass", r.IsClean ? "[green]clean[/]" : "[red]problems[/]");
        void Row(string name, object value) => table.AddRow(name, Markup.Escape(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""));
        Row("mode", r.Mode);
        Row("duration", Output.Milliseconds(r.Duration));
        Row("slots compared / differing / due", $"{r.SlotsCompared} / {r.SlotsDiffering} / {r.SlotsDue}");
        Row("keys compared", r.KeysCompared);
        Row("values repaired", r.ValuesRepaired);
        Row("lists repaired", r.ListsRepaired);
        Row("tombstones purged (values / list elements)", $"{r.ValueTombstonesPurged} / {r.ListTombstonesPurged}");
        Row("empty lists dropped", r.EmptyListsDropped);
        Row("index entries dropped", r.IndexEntriesDropped);
        Row("not answering", r.UnreachableNodes.Count == 0 ? "none" : string.Join(", ", r.UnreachableNodes));
        Row("problems", r.ProblemCount);
        foreach (var problem in r.Problems)
        {
            table.AddRow("[yellow]problem[/]", Markup.Escape(problem.ToString()));
        }

        return table;
    }

    /// <summary>Reports on the pass's own thread: a <see cref="Progress{T}"/> would post late updates after the bar ended.</summary>
    private sealed class Reporter(Action<AntiEntropyProgress> report) : IProgress<AntiEntropyProgress>
    {
        public void Report(AntiEntropyProgress value) => report(value);
    }
}
