"""Loading case data: imports with a progress page, child population and benchmarks."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from qa_app.data.forms import BenchmarkUploadForm, ImportForm, PopulationForm
from qa_app.extensions import db
from qa_app.models import ImportBatch, Role
from qa_app.security import accepts_uploads, roles_required
from qa_app.services import case_data, imports, jobs
from qa_app.services.case_reads import children_in_import_warnings, record_case_read

data = Blueprint("data", __name__)


@data.get("/imports")
@roles_required(Role.QA_LEAD)
def import_history():
    return render_template("data/imports.html", batches=imports.latest_batches())


@data.route("/imports/new", methods=["GET", "POST"])
@accepts_uploads
@roles_required(Role.QA_LEAD)
def new_import():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            batch = imports.queue_import(form.kind.data, upload.stream, upload.filename, current_user)
        except imports.ImportRefused as error:
            form.file.errors.append(str(error))
        else:
            if getattr(batch, "already_waiting", False):
                flash("This file is already waiting to be imported: here is its progress.", "info")
            else:
                imports.start_import_in_background(batch.id)
            return redirect(url_for("data.import_batch", batch_id=batch.id))
    return render_template("data/new_import.html", form=form)


@data.get("/imports/<int:batch_id>")
@roles_required(Role.QA_LEAD)
def import_batch(batch_id):
    batch = db.get_or_404(ImportBatch, batch_id)
    if batch.warnings:  # its data-quality rows name children
        record_case_read("import warnings", child_ids=children_in_import_warnings(batch.warnings),
                         object_type="import_batch", object_id=batch.id)
    return render_template("data/import_batch.html", batch=batch, describe=imports.describe_problem,
                           worker_running=batch.finished or jobs.worker_running(),
                           warning_summary=imports.warning_summary(batch))


@data.post("/imports/<int:batch_id>/blank-optional")
@roles_required(Role.QA_LEAD)
def blank_optional_import(batch_id):
    """Import a refused file again with its bad optional cells left blank (listed on the import)."""
    db.get_or_404(ImportBatch, batch_id)
    try:
        batch = imports.retry_leaving_optional_cells_blank(batch_id, current_user)
    except imports.ImportRefused as error:
        flash(str(error), "error")
        return redirect(url_for("data.import_batch", batch_id=batch_id))
    imports.start_import_in_background(batch.id)
    return redirect(url_for("data.import_batch", batch_id=batch.id))


@data.get("/imports/<int:batch_id>/status")
@roles_required(Role.QA_LEAD)
def import_status(batch_id):
    """Polled by the progress page's script; without JavaScript the page has a refresh link."""
    batch = db.get_or_404(ImportBatch, batch_id)
    return {"status": batch.status, "finished": batch.finished, "rows_processed": batch.rows_processed}


@data.route("/population", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def population():
    form = PopulationForm()
    if form.validate_on_submit():
        case_data.set_population(form.year.data, form.population.data, current_user)
        flash(f"Child population for {form.year.data} saved.", "success")
        return redirect(url_for("data.population"))
    return render_template("data/population.html", form=form, populations=case_data.populations())


@data.route("/benchmarks", methods=["GET", "POST"])
@accepts_uploads
@roles_required(Role.QA_LEAD)
def benchmarks():
    form = BenchmarkUploadForm()
    problems = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = case_data.parse_benchmark_csv(upload.read(), upload.filename or "benchmarks.csv")
        except case_data.ReferenceDataError as error:
            problems = str(error).splitlines()
            form.file.errors.append(f"The file has {len(problems)} problem(s), listed below. Nothing was saved")
        else:
            count = case_data.import_benchmarks(rows, current_user, upload.filename)
            flash(f"{count} benchmark figures saved.", "success")
            return redirect(url_for("data.benchmarks"))
    figures = sorted(case_data.benchmarks().items())
    return render_template("data/benchmarks.html", form=form, figures=figures, problems=problems[:100],
                           more_problems=max(0, len(problems) - 100),
                           measures=case_data.BENCHMARK_MEASURES)
