using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;
using Xunit.Sdk;

namespace AnarchoRedis.Testing.Tests;

/// <summary>Plain StackExchange.Redis connections to a node's client-facing endpoint, as a user's client would make.</summary>
internal static class Connections
{
    /// <summary>A connection to <paramref name="endPoint"/> with a short command timeout.</summary>
    public static Task<ConnectionMultiplexer> ConnectAsync(string endPoint, int timeoutMs = 1000, bool failFast = false)
    {
        var config = ConfigurationOptions.Parse(endPoint);
        config.AbortOnConnectFail = false;
        config.AsyncTimeout = timeoutMs;
        config.SyncTimeout = timeoutMs;
        config.ConnectTimeout = 2000;
        config.ConnectRetry = 1;
        if (failFast)
        {
            config.BacklogPolicy = BacklogPolicy.FailFast;
        }

        return ConnectionMultiplexer.ConnectAsync(config);
    }

    /// <summary>Polls until <paramref name="condition"/> holds; the deadline only bounds a test that would hang.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string because, double seconds = 10)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed.TotalSeconds > seconds)
            {
                throw new XunitException($"Still not true after {seconds} s: {because}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Whether the process <paramref name="pid"/> still exists.</summary>
    public static bool ProcessExists(int pid) => System.IO.Directory.Exists($"/proc/{pid}");
}

/// <summary>Several clusters share a 2-core machine: do not let blocked threads starve reply processing.</summary>
internal static class ThreadPoolWarmup
{
#pragma warning disable CA2255 // A test assembly is the application here, not a library.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RaiseMinimumThreads()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), Math.Max(io, 16));
    }
}
