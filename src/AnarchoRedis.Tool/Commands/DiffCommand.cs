using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace AnarchoRedis.Tool.Commands;

/// <summary><c>anarcho diff</c>: compares every node's 16,384 slot digests; which slots differ, and where.</summary>
internal sealed class DiffCommand(NodeConnector connector, Output output) : ToolCommand<ToolSettings>(connector, output)
{
    /// <summary>Slots per cell of the map: 128 cells in two rows of 64.</summary>
    private const int SlotsPerCell = 128;

    protected override async Task<int> RunAsync(AnarchoRedisClient client, ToolSettings settings, CancellationToken cancellationToken)
    {
        var comparison = await CompareAsync(client, cancellationToken).ConfigureAwait(false);
        if (comparison is null)
        {
            Output.Error("The nodes keep no slot digests (SlotDigests is off in the configuration): run `anarcho repair`, which scans.");
            return ExitCodes.UnreachableOrUsage;
        }

        var code = ExitCode(comparison);
        if (settings.Json)
        {
            Output.Json(Document(comparison, code));
        }
        else
        {
            Output.Console.Write(View(comparison));
        }

        return code;
    }

    /// <summary>The comparison, or null when the options keep no digests.</summary>
    public static async Task<SlotComparison?> CompareAsync(AnarchoRedisClient client, CancellationToken cancellationToken) =>
        client.Options.SlotDigests
            ? await new AntiEntropyRunner(client, ReplicatedTypeRegistry.CreateUntyped()).CompareSlotsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)
            : null;

    public static int ExitCode(SlotComparison comparison) =>
        comparison.UnreachableNodes.Count > 0 ? ExitCodes.UnreachableOrUsage : comparison.InSync ? ExitCodes.InSync : ExitCodes.Differences;

    public static object Document(SlotComparison c, int exitCode) => new
    {
        inSync = c.InSync,
        nodes = c.Nodes,
        slotsCompared = c.SlotsCompared,
        slotsDiffering = c.DifferingSlots.Count,
        differingSlots = c.DifferingSlots,
        slotsDue = c.SlotsDue,
        unreachableNodes = c.UnreachableNodes,
        problems = Output.Problems(c.Problems),
        problemCount = c.ProblemCount,
        durationMs = c.Duration.TotalMilliseconds,
        exitCode,
    };

    public static IRenderable View(SlotComparison c)
    {
        var summary = c.InSync
            ? string.Create(CultureInfo.InvariantCulture, $"[green]in sync:[/] all {c.SlotsCompared} slots agree on {c.Nodes} nodes")
            : string.Create(CultureInfo.InvariantCulture, $"[red]{c.DifferingSlots.Count} of {c.SlotsCompared} slots differ[/] on {c.Nodes} nodes");
        var lines = new List<IRenderable> { new Markup(summary), Map(c.DifferingSlots) };
        if (c.DifferingSlots.Count > 0)
        {
            lines.Add(new Markup("[grey]slots:[/] " + Markup.Escape(Ranges(c.DifferingSlots, 24))));
        }

        if (c.SlotsDue > 0)
        {
            lines.Add(new Markup($"[grey]{c.SlotsDue} slots have maintenance due (expired keys, old tombstones)[/]"));
        }

        foreach (var node in c.UnreachableNodes)
        {
            lines.Add(new Markup($"[red]not answering:[/] {Markup.Escape(node)}"));
        }

        foreach (var problem in c.Problems)
        {
            lines.Add(new Markup($"[yellow]problem:[/] {Markup.Escape(problem.ToString())}"));
        }

        return new Rows(lines);
    }

    /// <summary>Where the differing slots are: one cell per 128 slots, two rows of 64 cells.</summary>
    public static IRenderable Map(IReadOnlyList<int> differing)
    {
        var cells = new int[HashSlot.Count / SlotsPerCell];
        foreach (var slot in differing)
        {
            cells[slot / SlotsPerCell]++;
        }

        var text = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0 && i % 64 == 0)
            {
                text.Append('\n');
            }

            text.Append(cells[i] == 0 ? "[green]·[/]" : cells[i] < 8 ? "[yellow]▪[/]" : "[red]█[/]");
        }

        return new Panel(new Markup(text.ToString())).Header("slots 0 … 16383, 128 per cell").Border(BoxBorder.Rounded);
    }

    /// <summary>"1-3, 7, 100-120", at most <paramref name="max"/> ranges, then how many more.</summary>
    public static string Ranges(IReadOnlyList<int> slots, int max)
    {
        var ranges = new List<string>();
        for (var i = 0; i < slots.Count;)
        {
            var j = i;
            while (j + 1 < slots.Count && slots[j + 1] == slots[j] + 1)
            {
                j++;
            }

            ranges.Add(i == j ? slots[i].ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{slots[i]}-{slots[j]}"));
            i = j + 1;
        }

        return ranges.Count <= max ? string.Join(", ", ranges) : string.Join(", ", ranges.Take(max)) + $" … and {ranges.Count - max} more ranges";
    }
}
