using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;

namespace AnarchoRedis.IntegrationTests.Infrastructure;

/// <summary>A logger factory that keeps every message (debug level included) with its event id, for tests that assert what was logged.</summary>
public sealed class LogRecorder : ILoggerFactory, ILoggerProvider
{
    private readonly ConcurrentQueue<(int EventId, string Message)> _entries = new();

    /// <summary>Every message so far, oldest first.</summary>
    public IReadOnlyList<(int EventId, string Message)> Entries => _entries.ToArray();

    /// <summary>Forgets every message so far.</summary>
    public void Clear() => _entries.Clear();

    /// <summary>The messages of one event id.</summary>
    public IEnumerable<string> Of(int eventId) => _entries.Where(e => e.EventId == eventId).Select(e => e.Message);

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this);

    /// <inheritdoc />
    public void AddProvider(ILoggerProvider provider)
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Logger(LogRecorder owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._entries.Enqueue((eventId.Id, formatter(state, exception)));
    }
}
