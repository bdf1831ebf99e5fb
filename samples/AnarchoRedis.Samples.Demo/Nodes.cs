using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Garnet;
using Garnet.server;

namespace AnarchoRedis.Samples.Demo;

/// <summary>One node of the demo's replica set: something the demo may be able to stop and start again.</summary>
internal interface IDemoNode : IAsyncDisposable
{
    /// <summary>host:port, as given to AnarchoRedis and to the direct inspection connection.</summary>
    string EndPoint { get; }

    /// <summary>Whether the demo started this node itself (and so can stop it and bring it back).</summary>
    bool CanRestart { get; }

    bool IsRunning { get; }

    /// <summary>Stops the node (its data is lost).</summary>
    ValueTask StopAsync();

    /// <summary>Starts the node again on the same port, empty.</summary>
    ValueTask StartEmptyAsync();
}

/// <summary>A node given on the command line: the demo never stops it.</summary>
internal sealed class ExternalNode(string endPoint) : IDemoNode
{
    public string EndPoint { get; } = endPoint;

    public bool CanRestart => false;

    public bool IsRunning => true;

    public ValueTask StopAsync() => throw new NotSupportedException("The demo does not stop nodes it did not start.");

    public ValueTask StartEmptyAsync() => throw new NotSupportedException("The demo does not start nodes it did not start.");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// An in-process Garnet server on a loopback port, memory only. Lua needs all three of <c>EnableLua</c>,
/// <c>LuaOptions</c> (else a NullReferenceException on the first script) and <c>LuaTransactionMode</c>
/// (else scripts are not atomic, and a conditional write can lose a race).
/// </summary>
internal sealed class GarnetNode : IDemoNode
{
    private readonly int _port;
    private GarnetServer? _server;

    private GarnetNode(int port) => _port = port;

    public string EndPoint => $"127.0.0.1:{_port.ToString(CultureInfo.InvariantCulture)}";

    public bool CanRestart => true;

    public bool IsRunning => _server is not null;

    public static GarnetNode Start()
    {
        // A free port can be taken between probing and binding: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var node = new GarnetNode(FreePort.Next());
            try
            {
                node.StartServer();
                return node;
            }
            catch (Exception) when (attempt < 5)
            {
                node.StopServer();
            }
        }
    }

    public ValueTask StopAsync()
    {
        StopServer();
        return ValueTask.CompletedTask;
    }

    public ValueTask StartEmptyAsync()
    {
        StartServer();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        StopServer();
        return ValueTask.CompletedTask;
    }

    private void StartServer()
    {
        var options = new GarnetServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, _port)],
            EnableLua = true,
            LuaOptions = new LuaOptions(logger: null),
            LuaTransactionMode = true,
            QuietMode = true,
            // Small memory: three servers share the demo's process.
            IndexMemorySize = "1m",
            LogMemorySize = "32m",
            PageSize = "1m",
        };
        _server = new GarnetServer(options);
        _server.Start();
    }

    private void StopServer()
    {
        _server?.Dispose();
        _server = null;
    }
}

/// <summary>A redis-server child process (the fallback when Garnet cannot run the scripts, or with <c>--server redis</c>).</summary>
internal sealed class RedisServerNode : IDemoNode
{
    public const string DefaultPath = "/usr/bin/redis-server";

    private readonly string _path;
    private readonly int _port;
    private Process? _process;

    private RedisServerNode(string path, int port)
    {
        _path = path;
        _port = port;
    }

    public string EndPoint => $"127.0.0.1:{_port.ToString(CultureInfo.InvariantCulture)}";

    public bool CanRestart => true;

    public bool IsRunning => _process is { HasExited: false };

    public static string? Find()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator))
        {
            var candidate = System.IO.Path.Combine(dir, "redis-server");
            if (dir.Length > 0 && System.IO.File.Exists(candidate))
            {
                return candidate;
            }
        }

        return System.IO.File.Exists(DefaultPath) ? DefaultPath : null;
    }

    public static async Task<RedisServerNode> StartAsync(string path)
    {
        var node = new RedisServerNode(path, FreePort.Next());
        await node.StartEmptyAsync().ConfigureAwait(false);
        return node;
    }

    public async ValueTask StartEmptyAsync()
    {
        var info = new ProcessStartInfo(_path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", _port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no" })
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {_path}.");
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitForPortAsync(_port, _process).ConfigureAwait(false);
    }

    public async ValueTask StopAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync().ConfigureAwait(false);
            }

            process.Dispose();
        }
    }

    public ValueTask DisposeAsync() => StopAsync();

    private static async Task WaitForPortAsync(int port, Process process)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server on port {port} exited with code {process.ExitCode}.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }

        throw new TimeoutException($"redis-server on port {port} did not accept connections within 10 s.");
    }
}

internal static class FreePort
{
    private static readonly HashSet<int> Handed = [];

    /// <summary>A loopback port nobody listens on right now (and not handed out before by this process).</summary>
    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Handed)
            {
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
