using System.Linq;
using AnarchoRedis.Generators.Tests.Infrastructure;
using Xunit;

namespace AnarchoRedis.Generators.Tests;

/// <summary>Whole driver runs: every generated file and every diagnostic, against committed snapshots.</summary>
public sealed class GeneratorSnapshotTests
{
    [Fact]
    public void SingleIntKey() => Snapshot.VerifyRun(GeneratorHarness.Run(Models.User).Result);

    [Fact]
    public void RepresentativeModels() => Snapshot.VerifyRun(GeneratorHarness.Run(Models.Representative).Result);

    [Fact]
    public void ListModels()
    {
        var (result, output) = GeneratorHarness.Run(Models.Lists);
        Assert.Empty(GeneratorHarness.CompilationProblems(output).Select(Snapshot.Describe));
        Snapshot.VerifyRun(result);
    }

    [Fact]
    public void InternalTypesAndSharedSimpleNames()
    {
        const string source = """
            using AnarchoRedis;

            namespace Shop.Customers
            {
                [ReplicatedKey("customer:{Email}")]
                internal sealed class Account { public string Email { get; set; } = ""; }
            }

            namespace Shop.Staff
            {
                public enum Role { Clerk, Manager }

                [ReplicatedKey("staff:{Login}")]
                public sealed class Account { public string Login { get; set; } = ""; }

                // Internal type with a public key enum: the repository is internal, and the keyword property is escaped.
                public enum Desk { Front, Back }

                [ReplicatedKey("desk:{Desk}:{Class}")]
                internal sealed class Seat
                {
                    public Desk Desk { get; set; }

                    public int Class { get; set; }
                }
            }
            """;
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(new[] { source }, "my-shop.core"));
        Assert.Empty(GeneratorHarness.CompilationProblems(output).Select(Snapshot.Describe));
        Snapshot.VerifyRun(result);
    }

    [Fact]
    public void InvalidModelsGenerateNothingButDiagnostics()
    {
        const string source = """
            using System;
            using AnarchoRedis;

            namespace Samples.Models;

            [ReplicatedKey("event:{At}")]
            public sealed class Event { public DateTime At { get; set; } }

            [ReplicatedKey("ok:{Id}")]
            public sealed class Fine { public int Id { get; set; } }
            """;
        Snapshot.VerifyRun(GeneratorHarness.Run(source).Result);
    }
}
