using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace AnarchoRedis.Testing.Processes;

/// <summary>The server behind one <see cref="LocalNode"/>, on a port it keeps across restarts.</summary>
internal abstract class NodeServer : IDisposable
{
    protected NodeServer(int port) => Port = port;

    /// <summary>The server's port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The process id, or 0 when not running or in-process.</summary>
    public abstract int Pid { get; }

    /// <summary>Whether the server runs (a paused one does).</summary>
    public abstract bool IsRunning { get; }

    /// <summary>Whether <see cref="RestartMode.KeepData"/> would bring data back now.</summary>
    public abstract bool CanKeepData { get; }

    /// <summary>Starts the server; it answers PING when this completes.</summary>
    /// <param name="mode">Whether to keep or delete what earlier runs stored.</param>
    /// <param name="extraArguments">Server arguments for this start only, after the cluster's.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the server answers.</returns>
    /// <exception cref="PortTakenException">Another process holds the port.</exception>
    public abstract Task StartAsync(RestartMode mode, IReadOnlyList<string> extraArguments, CancellationToken cancellationToken);

    /// <summary>Whether a snapshot exists for <see cref="RestartMode.FromSnapshot"/>.</summary>
    public virtual bool HasSnapshot => false;

    /// <summary>Whether the server writes an append-only file (turned back on after a <see cref="RestartMode.FromSnapshot"/> start).</summary>
    public virtual bool Persistence => false;

    /// <summary>Stops the server at once (SIGKILL, or dispose in-process); nothing when it is not running.</summary>
    public abstract void Kill();

    /// <summary>SIGSTOP or SIGCONT.</summary>
    /// <param name="paused">Whether to stop or continue.</param>
    public abstract void SetPaused(bool paused);

    /// <summary>Kills the server and removes its files.</summary>
    public abstract void Dispose();
}

/// <summary>The port a server was to bind is held by another process.</summary>
/// <param name="port">The port.</param>
internal sealed class PortTakenException(int port) : Exception($"Port {port} is already in use.");
