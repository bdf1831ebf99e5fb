using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using AnarchoRedis.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace AnarchoRedis.Generators.Tests;

/// <summary>
/// The pipeline caches: an unrelated edit re-runs nothing of ours, an edit to one model re-runs only that model,
/// and no step output holds compiler objects (which would pin compilations and defeat caching).
/// </summary>
public sealed class IncrementalTests
{
    private static readonly string[] TrackedSteps = typeof(AnarchoRedisGenerator).Assembly
        .GetType("AnarchoRedis.Generators.TrackingNames")!
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    [Fact]
    public void UnrelatedEditLeavesEveryStepCached()
    {
        var compilation = GeneratorHarness.Compile(Models.Representative.Append(Models.Unrelated));
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var unrelated = compilation.SyntaxTrees.Last();
        var edited = compilation.ReplaceSyntaxTree(unrelated, unrelated.WithChangedText(unrelated.GetText().Replace(
            unrelated.GetText().ToString().IndexOf("42", StringComparison.Ordinal), 2, "43")));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        var steps = result.TrackedSteps.Where(s => TrackedSteps.Contains(s.Key)).ToList();
        Assert.Equal(TrackedSteps.Length, steps.Count);
        foreach (var (name, runs) in steps)
        {
            Assert.All(runs.SelectMany(r => r.Outputs), o =>
                Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{name}: {o.Reason}"));
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(r => r.Outputs), o =>
            Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void EditingOneModelRerunsOnlyThatModel()
    {
        var compilation = GeneratorHarness.Compile(Models.Representative);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var userTree = compilation.SyntaxTrees.First();
        var text = userTree.GetText().ToString();
        var edited = compilation.ReplaceSyntaxTree(userTree, userTree.WithChangedText(
            Microsoft.CodeAnalysis.Text.SourceText.From(text.Replace("\"user:{Id}\"", "\"member:{Id}\"", StringComparison.Ordinal))));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        var specs = result.TrackedSteps["RepositorySpecs"].SelectMany(r => r.Outputs).ToList();
        Assert.Equal(4, specs.Count);
        Assert.Single(specs, o => o.Reason == IncrementalStepRunReason.Modified);
        var modified = specs.Single(o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Equal("member:{Id}", ((dynamic)modified.Value).KeyTemplate);

        // The naming step only sees identities, which did not change, so the other repositories are not re-emitted.
        Assert.All(result.TrackedSteps["Naming"].SelectMany(r => r.Outputs), o =>
            Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        var repositories = result.TrackedSteps["Repositories"].SelectMany(r => r.Outputs).ToList();
        Assert.Single(repositories, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Equal(3, repositories.Count(o => o.Reason == IncrementalStepRunReason.Cached));
        Assert.All(result.TrackedSteps["Lists"].SelectMany(r => r.Outputs), o =>
            Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        Assert.All(result.TrackedSteps["ListRepositories"].SelectMany(r => r.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void EditingOneListModelRerunsOnlyThatListRepository()
    {
        var compilation = GeneratorHarness.Compile(Models.Lists);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var chatTree = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(chatTree, chatTree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(
            chatTree.GetText().ToString().Replace("\"chat:{RoomId}:{Channel}\"", "\"talk:{RoomId}:{Channel}\"", StringComparison.Ordinal))));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        var specs = result.TrackedSteps["ListRepositorySpecs"].SelectMany(r => r.Outputs).ToList();
        Assert.Equal(4, specs.Count); // ChatMessage, Job, Room (list), AuditEntry
        var modified = Assert.Single(specs, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Equal("talk:{RoomId}:{Channel}", ((dynamic)modified.Value).KeyTemplate);

        var repositories = result.TrackedSteps["ListRepositories"].SelectMany(r => r.Outputs).ToList();
        Assert.Single(repositories, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Equal(3, repositories.Count(o => o.Reason == IncrementalStepRunReason.Cached));

        // Value repositories, including Room's, and the naming step are untouched by a list template edit.
        foreach (var step in new[] { "Values", "RepositorySpecs", "Repositories", "Naming" })
        {
            Assert.All(result.TrackedSteps[step].SelectMany(r => r.Outputs), o =>
                Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        }
    }

    [Fact]
    public void UnrelatedEditLeavesListStepsCached()
    {
        var compilation = GeneratorHarness.Compile(Models.Lists.Append(Models.Unrelated));
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var unrelated = compilation.SyntaxTrees.Last();
        var edited = compilation.ReplaceSyntaxTree(unrelated, unrelated.WithChangedText(unrelated.GetText().Replace(
            unrelated.GetText().ToString().IndexOf("42", StringComparison.Ordinal), 2, "43")));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (var step in new[] { "Lists", "ListRepositorySpecs", "ListRepositories" })
        {
            var outputs = result.TrackedSteps[step].SelectMany(r => r.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(r => r.Outputs), o =>
            Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void EditingANonKeyPropertyChangesNoOutput()
    {
        var compilation = GeneratorHarness.Compile(Models.Representative);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var userTree = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(userTree, userTree.WithChangedText(
            Microsoft.CodeAnalysis.Text.SourceText.From(userTree.GetText().ToString().Replace("public string Name", "public string FullName", StringComparison.Ordinal))));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(result.TrackedSteps["Values"].SelectMany(r => r.Outputs), o => o.Reason == IncrementalStepRunReason.Unchanged);
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(r => r.Outputs), o =>
            Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void StepOutputsHoldNoCompilerObjects()
    {
        var (result, _) = GeneratorHarness.Run(Models.Representative.Append("""
            using AnarchoRedis;
            [ReplicatedKey("bad:{Nope}")] public class Broken { }
            """).ToArray());
        var run = result.Results.Single();
        foreach (var (name, runs) in run.TrackedSteps.Where(s => TrackedSteps.Contains(s.Key)))
        {
            foreach (var output in runs.SelectMany(r => r.Outputs))
            {
                AssertNoCompilerObjects(output.Value, name, new HashSet<object>(ReferenceEqualityComparer.Instance));
            }
        }
    }

    private static void AssertNoCompilerObjects(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum)
        {
            return;
        }

        var type = value.GetType();
        Assert.False(
            value is ISymbol or SyntaxNode or SyntaxTree or Compilation or SemanticModel or Location or DiagnosticDescriptor or Diagnostic
                || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ImmutableArray<>)),
            $"{path} holds a {type.FullName}");
        if (!type.IsValueType && !seen.Add(value))
        {
            return;
        }

        if (value is IEnumerable sequence)
        {
            var i = 0;
            foreach (var item in sequence)
            {
                AssertNoCompilerObjects(item, $"{path}[{i++}]", seen);
            }

            return;
        }

        // Records and value tuples: walk every instance field, including compiler-generated backing fields.
        foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertNoCompilerObjects(field.GetValue(value), path + "." + field.Name, seen);
        }
    }
}
