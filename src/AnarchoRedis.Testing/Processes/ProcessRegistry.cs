using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;

namespace AnarchoRedis.Testing.Processes;

/// <summary>
/// Every redis-server this process started, so none outlives it: each is killed by its pid on process exit, and each
/// has a pid file <c>{pid}.pid</c> holding <c>{pid} {owner pid}</c> in <see cref="Directory"/>, so the next kit start
/// (or a CI script) kills what a crashed host left behind, by pid and only when the pid is still a redis-server.
/// </summary>
internal static class ProcessRegistry
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<int, Action> Live = [];
    private static bool _hooked;

    /// <summary>Where pid files go: <c>$ANARCHOREDIS_PID_DIR</c> when set, else a folder under the temp directory.</summary>
    public static string Directory
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("ANARCHOREDIS_PID_DIR");
            return string.IsNullOrEmpty(configured) ? Path.Combine(Path.GetTempPath(), "anarchoredis-testing-pids") : configured;
        }
    }

    /// <summary>Records a started process and how to kill it when this process exits.</summary>
    /// <param name="pid">The child's pid.</param>
    /// <param name="kill">Kills it quietly.</param>
    public static void Track(int pid, Action kill)
    {
        var directory = Directory;
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(PidFile(directory, pid), string.Create(CultureInfo.InvariantCulture, $"{pid} {Environment.ProcessId}\n"));
        lock (Gate)
        {
            Live[pid] = kill;
            if (!_hooked)
            {
                _hooked = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
            }
        }
    }

    /// <summary>Forgets a process that is gone, and its pid file.</summary>
    /// <param name="pid">The child's pid.</param>
    public static void Forget(int pid)
    {
        lock (Gate)
        {
            Live.Remove(pid);
        }

        try
        {
            File.Delete(PidFile(Directory, pid));
        }
        catch (IOException)
        {
            // A stale pid file is harmless: the reaper checks the pid is a redis-server whose owner died.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Kills every redis-server a dead host left behind: for each pid file whose owner process is gone and whose pid
    /// is still a redis-server (<c>/proc/{pid}/cmdline</c>), SIGCONT then SIGKILL that pid; the file is removed.
    /// Files of live owners (other test hosts running now) are left alone.
    /// </summary>
    /// <returns>The pids killed.</returns>
    public static IReadOnlyList<int> ReapLeftovers()
    {
        var killed = new List<int>();
        var directory = Directory;
        if (!System.IO.Directory.Exists(directory))
        {
            return killed;
        }

        foreach (var file in System.IO.Directory.EnumerateFiles(directory, "*.pid"))
        {
            try
            {
                var parts = File.ReadAllText(file).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length < 2
                    || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                    || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var owner))
                {
                    continue;
                }

                if (owner == Environment.ProcessId || System.IO.Directory.Exists($"/proc/{owner}"))
                {
                    continue;
                }

                if (IsRedisServer(pid))
                {
                    _ = NativeMethods.kill(pid, NativeMethods.SigCont);
                    _ = NativeMethods.kill(pid, NativeMethods.SigKill);
                    killed.Add(pid);
                }

                File.Delete(file);
            }
            catch (IOException)
            {
                // Another host reaped it at the same time.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return killed;
    }

    /// <summary>Whether <paramref name="pid"/> is a live redis-server process.</summary>
    /// <param name="pid">The pid.</param>
    /// <returns><see langword="true"/> when its command line names redis-server.</returns>
    public static bool IsRedisServer(int pid)
    {
        try
        {
            var commandLine = File.ReadAllBytes($"/proc/{pid}/cmdline");
            return Encoding.UTF8.GetString(commandLine).Contains("redis-server", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string PidFile(string directory, int pid) => Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"{pid}.pid"));

    private static void KillAll()
    {
        Action[] kills;
        lock (Gate)
        {
            kills = [.. Live.Values];
        }

        foreach (var kill in kills)
        {
            kill();
        }
    }
}
