from django.db import models


class Report(models.Model):
    description = models.TextField()
    category = models.CharField(max_length=64)
    lat = models.FloatField()
    lng = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)
