using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace AnarchoRedis.Samples.Demo;

internal enum ServerKind
{
    /// <summary>Garnet, unless it cannot run what the demo needs; then redis-server when installed.</summary>
    Auto,

    /// <summary>Garnet, whatever the Lua self-check says.</summary>
    Garnet,
    Redis,
}

internal sealed record DemoArguments(IReadOnlyList<string>? Nodes, ServerKind Server, bool NonInteractive, bool Trace, bool Help)
{
    public const string Usage = """
        Usage: dotnet run --project samples/AnarchoRedis.Samples.Demo [-- options]
          (no options)                  start 3 in-process Garnet servers on free loopback ports; if Garnet cannot run
                                        what the demo needs, start redis-server processes instead (when installed)
          --server garnet               Garnet only, never fall back
          --server redis                start 3 redis-server processes (needs redis-server on PATH)
          --nodes h:p,h:p,h:p           use these 3 Redis nodes; the demo never stops or wipes them (node C's outage is
                                        a cut connection instead) and only writes the keys user:1..4, user:100..199,
                                        feed:demo and their bookkeeping
          --non-interactive             plain step lines and tables, no live redraw (also when output is redirected
                                        or CI=true); the exit code is 0 only when every node converged
          --trace                       print the library's spans ("AnarchoRedis" ActivitySource) with
                                        OpenTelemetry's console exporter (implies --non-interactive)
          --help                        this text
        """;

    public static bool TryParse(string[] args, [NotNullWhen(true)] out DemoArguments? parsed, out string? error)
    {
        IReadOnlyList<string>? nodes = null;
        var server = ServerKind.Auto;
        bool nonInteractive = false, trace = false, help = false;
        parsed = null;
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--nodes" when i + 1 < args.Length:
                    nodes = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (nodes.Count != 3)
                    {
                        error = "--nodes needs exactly three host:port entries, separated by commas (nodes A, B and C).";
                        return false;
                    }

                    break;
                case "--server" when i + 1 < args.Length:
                    if (!Enum.TryParse(args[++i], ignoreCase: true, out server))
                    {
                        error = $"--server must be auto, garnet or redis, not '{args[i]}'.";
                        return false;
                    }

                    break;
                case "--non-interactive":
                    nonInteractive = true;
                    break;
                case "--trace":
                    trace = true;
                    break;
                case "--help" or "-h" or "-?":
                    help = true;
                    break;
                default:
                    error = $"Unknown or incomplete option '{args[i]}'.";
                    return false;
            }
        }

        parsed = new DemoArguments(nodes, server, nonInteractive, trace, help);
        return true;
    }

    /// <summary>
    /// Whether to draw the live table: not when asked for plain output, not with --trace (the exporter's lines would
    /// tear the table), not when the output goes to a file or pipe, and not under CI (CI=true).
    /// </summary>
    public bool Interactive =>
        !NonInteractive && !Trace && !Console.IsOutputRedirected &&
        !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Keeps the library's warnings (a killed node makes it log some) instead of writing them to the console, where they
/// would tear the live table; the view shows them in its own place.
/// </summary>
internal sealed class DemoLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _pending = new();
    private int _total;

    /// <summary>Warnings logged so far.</summary>
    public int Total => Volatile.Read(ref _total);

    /// <summary>The latest warning, or null.</summary>
    public string? Latest { get; private set; }

    /// <summary>Takes the warnings logged since the last call.</summary>
    public List<string> Drain()
    {
        var lines = new List<string>();
        while (_pending.TryDequeue(out var line))
        {
            lines.Add(line);
        }

        return lines;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        Interlocked.Increment(ref _total);
        Latest = line;
        _pending.Enqueue(line);
    }

    private sealed class Logger(DemoLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Add($"{logLevel} {category}: {formatter(state, exception)}");
            }
        }
    }
}

/// <summary>Stops the servers the demo started when the process is terminated (SIGTERM) rather than ending normally.</summary>
internal sealed class ProcessExitHook : IDisposable
{
    private readonly List<IDemoNode> _nodes;

    public ProcessExitHook(List<IDemoNode> nodes)
    {
        _nodes = nodes;
        AppDomain.CurrentDomain.ProcessExit += OnExit;
    }

    public void Dispose() => AppDomain.CurrentDomain.ProcessExit -= OnExit;

    private void OnExit(object? sender, EventArgs e)
    {
        foreach (var node in _nodes.ToArray())
        {
            try
            {
                node.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            }
            catch (Exception)
            {
                // Best effort while the process is going away.
            }
        }
    }
}
