using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace AnarchoRedis.Samples.Demo;

/// <summary>
/// Shows the scenario. Live: one table, redrawn about five times a second from what the nodes really hold, with the
/// step's caption above it and a progress bar during the anti-entropy pass. Plain (<c>--non-interactive</c>, redirected
/// output, CI, <c>--trace</c>): one line per step and the table at the end of each step, nothing redrawn.
/// </summary>
internal sealed class DemoView
{
    /// <summary>How long a live step stays on screen once done, so that a watcher can read it.</summary>
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(1500);

    private const string Legend = "version: the hybrid logical clock's wall time (seconds.ms) +counter; n: list length. " +
        "fresh/tombstone: the newest version; stale: older; missing: nothing at all.";

    private readonly IAnsiConsole _console;
    private readonly DemoLog _log;
    private Watch? _watch;
    private Func<string>? _load;
    private volatile string _header = "";
    private volatile string _caption = "";
    private volatile string _note = "";

    private DemoView(IAnsiConsole console, bool live, DemoLog log)
    {
        _console = console;
        Live = live;
        _log = log;
    }

    public bool Live { get; }

    public int TotalSteps { get; set; }

    public static DemoView Create(bool live, DemoLog log)
    {
        if (live)
        {
            return new DemoView(AnsiConsole.Console, live: true, log);
        }

        // No colours, no cursor movement: readable in a CI log or a file. Wide enough for the table on one line.
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        console.Profile.Width = 120;
        return new DemoView(console, live: false, log);
    }

    /// <summary>Runs the scenario; live, it redraws the table from <paramref name="watch"/> until the scenario ends.</summary>
    public async Task<T> RunAsync<T>(Watch watch, Func<string> load, Func<Task<T>> scenario)
    {
        _watch = watch;
        _load = load;
        if (!Live)
        {
            Console.WriteLine(Legend);
            return await scenario();
        }

        T result = default!;
        await _console.Live(new Text("starting…")).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).StartAsync(async context =>
        {
            var run = scenario();
            while (!run.IsCompleted)
            {
                context.UpdateTarget(Render(await watch.SnapshotAsync()));
                await Task.WhenAny(run, Task.Delay(200));
            }

            context.UpdateTarget(Render(await watch.SnapshotAsync()));
            result = await run;
        });
        return result;
    }

    /// <summary>A step begins: its title and why it matters.</summary>
    public void Step(int number, string title, string why)
    {
        _header = $"Step {number}/{TotalSteps}: {title}";
        _caption = why;
        _note = "";
        if (!Live)
        {
            // Plain lines through Console, not the Spectre console: a long caption stays one line in a log.
            Console.WriteLine();
            Console.WriteLine($"== {_header}");
            Console.WriteLine($"   {why}");
        }
    }

    /// <summary>A detail of the running step (what an operation returned).</summary>
    public void Note(string text)
    {
        _note = text;
        if (!Live)
        {
            Console.WriteLine($"   - {text}");
        }
    }

    /// <summary>The running anti-entropy pass reports progress (called on the pass's threads).</summary>
    public void Progress(AntiEntropyProgress progress) => Volatile.Write(ref _passBox, new StrongBox(progress));

    /// <summary>The step is done: live, it stays on screen a moment; plain, its table is printed (unless <paramref name="table"/> is false).</summary>
    public async Task StepDoneAsync(CancellationToken cancellationToken, bool table = true)
    {
        if (Live)
        {
            await Task.Delay(Pace, cancellationToken);
            return;
        }

        var warnings = _log.Drain();
        foreach (var line in warnings.Take(3))
        {
            Console.WriteLine($"   log: {Shorten(line, 150)}");
        }

        if (warnings.Count > 3)
        {
            Console.WriteLine($"   log: (and {warnings.Count - 3} more warnings)");
        }

        if (table)
        {
            _console.Write(Table(await _watch!.SnapshotAsync()));
        }
    }

    /// <summary>The end: the convergence summary, after the live table (which stays on screen).</summary>
    public void Summary(string title, IReadOnlyList<string> lines, bool ok)
    {
        _console.WriteLine();
        if (Live)
        {
            var body = new Markup(string.Join("\n", lines.Select(l => Markup.Escape(l))));
            _console.Write(new Panel(body).Header($"[{(ok ? "green" : "red")} bold]{Markup.Escape(title)}[/]").BorderColor(ok ? Color.Green : Color.Red));
        }
        else
        {
            Console.WriteLine($"== {title}");
            foreach (var line in lines)
            {
                Console.WriteLine($"   {line}");
            }
        }
    }

    private StrongBox? _passBox;

    public void PassEnded() => Volatile.Write(ref _passBox, null);

    private IRenderable Render(Frame frame)
    {
        var parts = new List<IRenderable>
        {
            new Markup($"[bold yellow]{Markup.Escape(_header)}[/]"),
            new Markup($"[grey]{Markup.Escape(_caption)}[/]"),
            new Markup(_note.Length == 0 ? " " : $"[aqua]{Markup.Escape(_note)}[/]"),
            Table(frame),
        };
        if (Volatile.Read(ref _passBox) is { } box)
        {
            parts.Add(Bar(box.Value));
        }

        parts.Add(new Markup($"[grey]{Markup.Escape(Legend)}[/]"));

        parts.Add(new Markup($"[grey]background writer: {Markup.Escape(_load?.Invoke() ?? "")}[/]"));
        var latest = _log.Latest;
        parts.Add(new Markup(latest is null
            ? "[grey]library warnings: none[/]"
            : $"[grey]library warnings: {_log.Total}, latest: {Markup.Escape(Shorten(latest, 110))}[/]"));
        return new Rows(parts);
    }

    private static Markup Bar(AntiEntropyProgress p)
    {
        const int width = 40;
        var fraction = p.Total <= 0 ? 0 : Math.Clamp((double)p.Done / p.Total, 0, 1);
        var filled = (int)Math.Round(fraction * width);
        var phase = p.Phase switch
        {
            AntiEntropyPhase.Discovering => "comparing slot digests",
            AntiEntropyPhase.Repairing => "repairing keys",
            _ => "done",
        };
        return new Markup(string.Create(CultureInfo.InvariantCulture,
            $"anti-entropy [green]{new string('━', filled)}[/][grey]{new string('━', width - filled)}[/] {fraction * 100,3:0}%  {p.Done}/{p.Total} slots, {p.KeysCompared} keys compared, {p.KeysRepaired} repaired ({phase})"));
    }

    private Table Table(Frame frame)
    {
        var table = new Table().Border(Live ? TableBorder.Rounded : TableBorder.Ascii);
        table.AddColumn(new TableColumn("key"));
        foreach (var node in frame.Nodes)
        {
            var colour = node.State switch { "ready" => "green", "filling" => "yellow", _ => "red" };
            table.AddColumn(new TableColumn(Live
                ? $"[bold]{node.Name}[/] [{colour}]{node.State}[/]\n[grey]{Markup.Escape(node.EndPoint)}[/]"
                : $"{node.Name} ({node.State})"));
        }

        foreach (var row in frame.Rows)
        {
            table.AddRow([new Markup(Markup.Escape(row.Key)), .. row.Cells.Select(Cell)]);
        }

        return table;
    }

    private static Markup Cell(Cell cell)
    {
        var (word, colour) = cell.State switch
        {
            CellState.Fresh => ("fresh", "green"),
            CellState.Tombstone => ("tombstone", "green"),
            CellState.Stale => ("stale", "yellow"),
            CellState.Missing => ("missing", "red"),
            _ => ("down", "grey"),
        };
        var version = cell.Version.Length == 0 ? "" : Markup.Escape(cell.Version) + " ";
        return new Markup($"{version}[{colour}]{word}[/]");
    }

    private static string Shorten(string text, int max)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= max ? line : string.Concat(line.AsSpan(0, max), "…");
    }

    private sealed class StrongBox(AntiEntropyProgress value)
    {
        public AntiEntropyProgress Value { get; } = value;
    }
}
