using System;
using System.IO;
using AnarchoRedis.Generators.Tests.Infrastructure;
using Xunit;
using Xunit.Sdk;

namespace AnarchoRedis.Generators.Tests;

/// <summary>The snapshot helper's rules, in a scratch directory: a helper that always passed would hide every regression.</summary>
public sealed class SnapshotHelperTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "anarchoredis-snapshots-" + Guid.NewGuid().ToString("N"));
    private readonly string _caller;

    public SnapshotHelperTests()
    {
        Directory.CreateDirectory(_root);
        _caller = Path.Combine(_root, "Fake.cs");
    }

    private string Verified => Path.Combine(_root, "Snapshots", "Fake.T.out.verified.cs");

    private string Received => Path.Combine(_root, "Snapshots", "Fake.T.out.received.cs");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void MissingSnapshotIsCreatedLocallyButStillFails()
    {
        Assert.Throws<XunitException>(() => Run("a\n", accept: false, underCi: false));
        Assert.Equal("a\n", File.ReadAllText(Verified));
        Run("a\n", accept: false, underCi: false);
    }

    [Fact]
    public void MissingSnapshotFailsUnderCiWithoutWritingIt()
    {
        var failure = Assert.Throws<XunitException>(() => Run("a\n", accept: false, underCi: true));
        Assert.Contains("Missing snapshot", failure.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Verified));
    }

    [Fact]
    public void MismatchWritesReceivedAndShowsADiff()
    {
        Run("a\nb\n", accept: true, underCi: true);
        var failure = Assert.Throws<XunitException>(() => Run("a\nc\n", accept: false, underCi: true));
        Assert.Contains("- b\n+ c\n", failure.Message, StringComparison.Ordinal);
        Assert.Equal("a\nc\n", File.ReadAllText(Received));
        Assert.Equal("a\nb\n", File.ReadAllText(Verified));
    }

    [Fact]
    public void AcceptingReplacesTheSnapshotAndRemovesReceived()
    {
        Run("a\n", accept: true, underCi: false);
        Assert.Throws<XunitException>(() => Run("b\n", accept: false, underCi: false));
        Run("b\n", accept: true, underCi: false);
        Assert.Equal("b\n", File.ReadAllText(Verified));
        Assert.False(File.Exists(Received));
    }

    [Fact]
    public void CarriageReturnsDoNotCountAsChanges()
    {
        Run("a\nb\n", accept: true, underCi: true);
        Run("a\r\nb\r\n", accept: false, underCi: true);
    }

    [Fact]
    public void AVerifiedFileTheRunNoLongerProducesFails()
    {
        Run("a\n", accept: true, underCi: true);
        File.WriteAllText(Path.Combine(_root, "Snapshots", "Fake.T.gone.verified.cs"), "old\n");
        var failure = Assert.Throws<XunitException>(() => Run("a\n", accept: false, underCi: true));
        Assert.Contains("Fake.T.gone.verified.cs was not produced", failure.Message, StringComparison.Ordinal);
    }

    private void Run(string text, bool accept, bool underCi) =>
        Snapshot.Verify(new[] { ("out", ".cs", text) }, "T", _caller, accept, underCi);
}
