using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Threading;

namespace AnarchoRedis.Samples.Demo;

internal enum ServerKind
{
    /// <summary>Garnet, unless it cannot run what the demo needs; then redis-server when installed.</summary>
    Auto,

    /// <summary>Garnet, whatever the Lua self-check says.</summary>
    Garnet,
    Redis,
}

internal sealed record DemoArguments(IReadOnlyList<string>? Nodes, ServerKind Server, bool Help)
{
    public const string Usage = """
        Usage: dotnet run --project samples/AnarchoRedis.Samples.Demo [-- options]
          (no options)                  start 3 in-process Garnet servers on free loopback ports; if Garnet cannot run
                                        what the demo needs, start redis-server processes instead (when installed)
          --server garnet               Garnet only, never fall back
          --server redis                start 3 redis-server processes (needs redis-server on PATH)
          --nodes h:p,h:p,h:p           use these Redis nodes (at least 2); the demo never stops them and only
                                        touches the keys user:1 and anrcho_version:{user:1}
          --help                        this text
        """;

    public static bool TryParse(string[] args, [NotNullWhen(true)] out DemoArguments? parsed, out string? error)
    {
        IReadOnlyList<string>? nodes = null;
        var server = ServerKind.Auto;
        var help = false;
        parsed = null;
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--nodes" when i + 1 < args.Length:
                    nodes = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (nodes.Count < 2)
                    {
                        error = "--nodes needs at least two host:port entries, separated by commas.";
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
                case "--help" or "-h" or "-?":
                    help = true;
                    break;
                default:
                    error = $"Unknown or incomplete option '{args[i]}'.";
                    return false;
            }
        }

        parsed = new DemoArguments(nodes, server, help);
        return true;
    }
}

/// <summary>
/// Mutes the library's warnings for a moment (the demo's reconnect probe is expected to miss its quorum a few times).
/// Wired in as a logging filter in Program.
/// </summary>
internal static class QuietLogs
{
    private static int _depth;

    public static bool IsOn => Volatile.Read(ref _depth) > 0;

    public static IDisposable Enter()
    {
        Interlocked.Increment(ref _depth);
        return new Exit();
    }

    private sealed class Exit : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                Interlocked.Decrement(ref _depth);
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
